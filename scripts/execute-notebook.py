#!/usr/bin/env python3
"""Executes a notebook headless with nbclient, cell by cell, stopping at the first failing cell.

Used by `cloudbench notebook run`. Why not `jupyter nbconvert --execute`: it either stops without
writing the notebook, or (--allow-errors) runs on past the failure; tslab prints the real
type/runtime error to the cell's stderr, so we need the failing cell *and* the partial notebook.

Usage: execute-notebook.py IN OUT --kernel NAME --timeout SECONDS --cwd DIR
Prints a JSON line per code cell as it starts and ends ({"event": "start"|"end", "index", "ordinal",
"of", "durationMs", "status"}), then a summary line:
{"event": "summary", "ok": bool, "failedCell": int|null, "error": str|null, "cells": [{"index", "durationMs", "status"}]}
"""
import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def cell_error_text(cell):
    """The cell's own error text: tslab writes compile errors to stderr, runtime errors as 'error' outputs."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")
    return "".join(parts).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--cwd", default=".")
    args = ap.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    nbformat.validator.normalize(nb)
    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.timeout, allow_errors=False,
                            resources={"metadata": {"path": args.cwd}})
    result = {"event": "summary", "ok": True, "failedCell": None, "error": None, "cells": []}
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]

    def progress(**fields):
        print(json.dumps(fields), flush=True)

    with client.setup_kernel():
        for ordinal, index in enumerate(code_cells, start=1):
            cell = nb.cells[index]
            progress(event="start", index=index, ordinal=ordinal, of=len(code_cells))
            start = time.monotonic()
            status = "ok"
            try:
                client.execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError) as err:
                status = "error"
                text = cell_error_text(cell) or str(err).strip().splitlines()[-1]
                result.update(ok=False, failedCell=index, error=text)
            except DeadKernelError:
                # process.exit() or out of memory in the cell: report it like a failing cell.
                status = "error"
                text = cell_error_text(cell) or "the kernel died while running this cell (process.exit() or out of memory?)"
                result.update(ok=False, failedCell=index, error=text)
            duration = (time.monotonic() - start) * 1000
            cell.metadata["cloudbench"] = {"durationMs": round(duration, 1), "status": status}
            result["cells"].append({"index": index, "durationMs": round(duration, 1), "status": status})
            progress(event="end", index=index, ordinal=ordinal, of=len(code_cells), durationMs=round(duration, 1), status=status)
            if status == "error":
                break
    nbformat.write(nb, args.output)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
