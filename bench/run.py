"""Run every Otklik benchmark in turn: `make bench` (or `.venv/bin/python bench/run.py`)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["answers.py", "themes.py", "dispatch.py", "rollups.py", "import_purchases.py", "import_xlsx.py"]

if __name__ == "__main__":
    for name in BENCHMARKS:
        print(f"== bench/{name} ==", flush=True)
        subprocess.run([sys.executable, str(HERE / name), *sys.argv[1:]], check=True)
