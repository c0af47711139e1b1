#!/usr/bin/env python3
"""Drives a tslab kernel the way JupyterLab does, to test a kernel interrupt during an experiment.

Usage: interrupt-kernel.py KERNEL CELLS_JSON WATCH_DIR CWD
  CELLS_JSON: {"setup": str, "run": str, "after": str}
  1. runs `setup`; 2. starts `run` without waiting; 3. waits until a run folder under WATCH_DIR has
  a sealed batch; 4. interrupts the kernel (jupyter_client signals the kernel's process group, as
  JupyterLab's stop button does); 5. waits for `run`'s reply; 6. runs `after`.
Prints one JSON line: {"setupOutput", "runReply", "runOutput", "afterReply", "afterOutput", "interruptedAt"}.
"""
import glob
import json
import os
import sys
import time

from jupyter_client.manager import KernelManager


def collect(kc, msg_id, timeout):
    """Output text and reply status of one execution."""
    text = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind == "error":
            text.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            break
    while True:
        reply = kc.get_shell_msg(timeout=max(1, deadline - time.time()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["status"], "".join(text)


def sealed_batches(watch_dir):
    n = 0
    for f in glob.glob(os.path.join(watch_dir, "*", "batches.csv")):
        with open(f) as fh:
            n = max(n, sum(1 for line in fh if line.endswith("\n")) - 1)
    return n


def main():
    kernel, cells_file, watch_dir, cwd = sys.argv[1:5]
    cells = json.load(open(cells_file))
    km = KernelManager(kernel_name=kernel)
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    out = {}
    try:
        kc.wait_for_ready(timeout=120)
        status, out["setupOutput"] = collect(kc, kc.execute(cells["setup"]), 180)
        if status != "ok":
            raise SystemExit(f"setup cell failed: {out['setupOutput']}")
        run_id = kc.execute(cells["run"])
        deadline = time.time() + 180
        while sealed_batches(watch_dir) < 1:
            if time.time() > deadline:
                raise SystemExit("no batch was sealed within 180 s")
            time.sleep(0.2)
        out["interruptedAt"] = sealed_batches(watch_dir)
        km.interrupt_kernel()
        out["runReply"], out["runOutput"] = collect(kc, run_id, 120)
        # tslab drops requests that arrive within 200 ms of a failed cell; a person is slower.
        time.sleep(0.5)
        out["afterReply"], out["afterOutput"] = collect(kc, kc.execute(cells["after"]), 120)
    finally:
        print(json.dumps(out), flush=True)
        kc.stop_channels()
        km.shutdown_kernel(now=True)


main()
