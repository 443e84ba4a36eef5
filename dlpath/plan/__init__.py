"""Study plans: ``schedule`` lays the remaining resources over dated sessions, ``ics`` writes them for calendars."""
