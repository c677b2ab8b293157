"""Executes one notebook with nbclient and always writes the executed copy, even when a cell fails.

usage: python3 execute.py NOTEBOOK OUT.ipynb TIMEOUT_SECONDS
Prints one JSON line: {"ok": bool, "failed_cell": int | null, "error": str}. tslab reports a failing
cell as text on stderr plus an error status, so the error text is that cell's stderr output.
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

src, out, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
nb = nbformat.read(src, as_version=4)
failed = {}


def on_error(cell, cell_index, execute_reply):
    failed.setdefault("cell", cell_index)


client = NotebookClient(nb, timeout=timeout, kernel_name="tslab",
                        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
                        on_cell_error=on_error)
error = ""
try:
    client.execute()
except (CellExecutionError, CellTimeoutError) as e:
    error = str(e)
except Exception as e:  # the kernel died or would not start
    error = f"{type(e).__name__}: {e}"
nbformat.write(nb, out)

index = failed.get("cell")
if index is not None:
    cell = nb.cells[index]
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
    error = f"cell {index}:\n{cell.source}\n---\n{stderr.strip() or error}"
print(json.dumps({"ok": not error, "failed_cell": index, "error": error}))
