"""The built wheel ships the catalogue and the digits: installed into a fresh venv, dlpath works from any folder."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installed_wheel_works_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("dlpath-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install",
         "--no-deps", "--no-index", "--ignore-installed", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )

    # The runtime dependencies come from this test environment (no network needed): a .pth file
    # puts its site-packages after the new venv's own, where the wheel is installed. It is written
    # after the install, so pip cannot mistake this environment's dlpath for the wheel's.
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLPATH_CATALOG")}
    result = subprocess.run(
        [bin_dir / "dlpath", "steps", "--json"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["steps"]) == 7
    where = subprocess.run(
        [python, "-c", "import dlpath.paths as p; print(p.catalog_path())"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)) and where.endswith("dlpath/data/steps.yaml")
    digits = subprocess.run(
        [python, "-c", "from dlpath.exercises import datasets as d; s = d.load_digits();"
         " print(d.files(d.__name__) / d.DIGITS_FILE, len(s.train.labels), len(s.test.labels))"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert digits[0].startswith(str(env_dir)) and digits[0].endswith("dlpath/exercises/datasets/digits.npz")
    assert digits[1:] == ["1438", "359"]
