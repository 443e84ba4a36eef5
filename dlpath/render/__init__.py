"""Text helpers below every renderer: catalogue text made safe (``text``) and the fast terminal writer (``term``)."""
