"""``dlpath exercise``: list the exercises and run them, one command per entry of the exercise registry.

Each command's options come from its exercise's ``demo.OPTIONS`` (plain data, see
``dlpath.exercises.options``), and its work from ``demo.run``; the practice options (``--practice``,
``--check``, ``--hint``) are the same for every exercise and handled by ``dlpath.cli.practice``. NumPy
is imported inside the demos only, so ``dlpath exercise`` (the list) and every other command stay fast.
"""

from __future__ import annotations

import importlib
import inspect
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from dlpath.cli import common
from dlpath.cli.root import app
from dlpath.errors import DlpathError, StoreError
from dlpath.exercises import EXERCISES, ExerciseError

if TYPE_CHECKING:
    from types import ModuleType

    from dlpath.exercises.options import Option
    from dlpath.exercises.registry import Exercise

exercise_app = typer.Typer(
    help="Small NumPy exercises for steps 2 and 3: see the sigmoid, gradient descent and backpropagation work.",
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(exercise_app, name="exercise")

# ------------------------------------------------------------------------------------------ options

PathArgument = Annotated[
    Optional[Path],
    typer.Argument(
        metavar="PATH",
        help=(
            "Your practice file (with --practice or --check). --practice takes a folder, default"
            " ./dlpath-practice/; --check a file, default the one written there."
        ),
        show_default=False,
    ),
]
PracticeOption = Annotated[
    bool, typer.Option("--practice", help="Write a practice file with the functions for you to fill in.")
]
CheckOption = Annotated[bool, typer.Option("--check", help="Test your practice file against the exercise.")]
HintOption = Annotated[bool, typer.Option("--hint", help="Show the next hint for the practice exercise.")]
WatchOption = Annotated[
    bool, typer.Option("--watch", help="With --check: check again each time you save the file (Enter: now, q: quit).")
]
SolutionOption = Annotated[
    bool, typer.Option("--solution", help="Show dlpath's own solution, once your file has passed every check.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="With --practice: overwrite an existing practice file.")]
TimeLimitOption = Annotated[
    float, typer.Option("--time-limit", help="With --check: seconds your code may run before it is stopped.")
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print only the run's final figures, as one JSON object (for scripts and courses)."),
]


def _practice_mode(name: str, demo: ModuleType, path: Path | None, options: dict[str, Any], flags: dict) -> bool:
    """Run the practice action asked for, if any; True when one ran (the demo is then skipped)."""
    actions = ("practice", "check", "hint", "solution")
    chosen = [f"--{flag}" for flag in actions if flags[flag]]
    if len(chosen) > 1:
        raise ExerciseError(
            f"{' and '.join(chosen)} cannot be combined: choose one of --practice, --check, --hint, --solution"
        )
    if flags["watch"] and not flags["check"]:
        raise ExerciseError(
            f"--watch checks your file again each time you save it: add --check"
            f" (dlpath exercise {name} --check --watch)"
        )
    if not chosen:
        if path is not None:
            raise ExerciseError(
                f"the file {path} is only used with --practice or --check"
                f" (e.g. 'dlpath exercise {name} --practice {path}')"
            )
        return False
    from dlpath.cli import practice as practice_cli

    if flags["practice"]:
        practice_cli.scaffold(name, path, flags["force"])
    elif flags["check"]:
        special = getattr(demo, "practice_check", None)
        if special is not None:  # e.g. backprop --walkthrough --check: the learner's functions, line by line
            code = special(common.console(), path, flags["time_limit"], flags["watch"], **options)
            if code is not None:
                raise typer.Exit(code)
        raise typer.Exit(practice_cli.check(name, path, flags["time_limit"], watch=flags["watch"]))
    elif flags["hint"]:
        practice_cli.hint(name)
    else:
        practice_cli.solution(name)
    return True


def _record(name: str, detail: dict[str, Any]) -> None:
    """Note a finished run in the progress store, if the learner has one (a failure only warns)."""
    from dlpath.progress import record_exercise

    try:
        record_exercise(name, "run", detail, only_if_exists=True)
    except StoreError as err:
        from rich.text import Text

        common.console(stderr=True).print(Text(f"warning: this run was not recorded: {err.message}", style="yellow"))


# ------------------------------------------------------------------------------------------ the list


@exercise_app.callback(invoke_without_command=True)
def exercises(ctx: typer.Context) -> None:
    """List the exercises with the step and readings each goes with (run one: dlpath exercise NAME)."""
    if ctx.invoked_subcommand is not None:
        return
    from dlpath.exercises import views

    catalog = None
    try:
        catalog = common.load_catalog()
    except DlpathError:
        pass  # the list still shows the reading ids without their titles
    out = common.console()
    out.print(views.exercise_table(EXERCISES.values(), catalog))
    views.say(
        out,
        "Run one with 'dlpath exercise NAME' (e.g. dlpath exercise backprop); add --practice to write your"
        " own version, --check to test it.",
        "dim",
    )




# ------------------------------------------------------------------------------------------ one command each


def _annotation(option: Option) -> Any:
    """The Typer annotation of one of an exercise's options."""
    if option.choices:
        choice = StrEnum(f"{option.name.title()}Choice", {c: c for c in option.choices})
        return Annotated[choice, typer.Option(option.flag, help=option.help, show_default=option.show_default)]
    kind = Optional[option.type] if option.default is None else option.type  # noqa: UP007 - Typer needs Optional
    return Annotated[kind, typer.Option(option.flag, help=option.help, show_default=option.show_default)]


_PRACTICE_PARAMETERS = (
    ("practice", PracticeOption, False),
    ("check", CheckOption, False),
    ("watch", WatchOption, False),
    ("hint", HintOption, False),
    ("solution", SolutionOption, False),
    ("force", ForceOption, False),
    ("time_limit", TimeLimitOption, 10.0),
)


def _command(exercise: Exercise, demo: ModuleType | _NoDemo) -> None:
    """Register ``dlpath exercise NAME``: PATH, the demo's options, then the practice options."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("path", kind, default=None, annotation=PathArgument)]
    for option in demo.OPTIONS:
        annotation = _annotation(option)
        default = option.default
        if option.choices and default is not None:
            default = annotation.__origin__(default)  # the StrEnum member: Typer shows and parses choices
        parameters.append(inspect.Parameter(option.name, kind, default=default, annotation=annotation))
    parameters += [inspect.Parameter(n, kind, default=d, annotation=a) for n, a, d in _PRACTICE_PARAMETERS]
    parameters.append(inspect.Parameter("json_output", kind, default=False, annotation=JsonOption))

    def run(**values: Any) -> None:
        flags = {n: values.pop(n) for n, _, _ in _PRACTICE_PARAMETERS}
        path = values.pop("path")
        json_output = values.pop("json_output")
        if json_output and any(flags[n] for n in ("practice", "check", "hint", "solution")):
            raise ExerciseError("--json is for a run of the exercise: drop --practice, --check, --hint or --solution")
        options = {n: v.value if isinstance(v, StrEnum) else v for n, v in values.items()}
        if _practice_mode(exercise.name, demo, path, options, flags):
            return
        if json_output:  # the demo runs as usual, its drawings discarded; only the figures reach stdout
            from io import StringIO

            from rich.console import Console

            silent = Console(file=StringIO(), width=100)
            detail = demo.run(silent, silent, **options)
            common.print_json({"exercise": exercise.name, **(detail or {})})
        else:
            detail = demo.run(common.console(), common.console(stderr=True), **options)
        if detail is not None:
            _record(exercise.name, detail)

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined] - what Typer reads
    exercise_app.command(exercise.name, help=getattr(demo, "HELP", exercise.description))(run)


class _NoDemo:
    """The demo of an exercise whose folder has no ``demo.py`` yet: only its practice mode works."""

    OPTIONS = ()

    def __init__(self, exercise: Exercise) -> None:
        self.HELP = exercise.description
        self.name = exercise.name

    def run(self, out: object, err: object) -> None:
        raise ExerciseError(
            f"the {self.name} exercise has nothing to show yet: write your own with"
            f" 'dlpath exercise {self.name} --practice', then --check it"
        )


def _demo(exercise: Exercise) -> ModuleType | _NoDemo:
    """The ``demo`` module of ``exercise``'s folder (its options and what its command shows)."""
    name = f"{exercise.package}.demo"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:
            raise
        return _NoDemo(exercise)


for _exercise in EXERCISES.values():
    _command(_exercise, _demo(_exercise))
