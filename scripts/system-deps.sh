#!/usr/bin/env bash
# Finds (and, as root with apt, installs) the system programs cloudbench uses beyond Node:
#   aws        AWS CLI, an independent client for the local stack's S3 and SageMaker endpoints (tests)
#   chromium   renders the PDF report (puppeteer-core drives it; nothing is downloaded)
#   pdftotext  poppler-utils, reads the PDF back in tests; pdftoppm previews pages
#   python-venv  python3-venv: `npm run lab` (and the notebook tests) make the project's JupyterLab venv with it
#   jupyter    jupyter-nbconvert + jupyter-client: a system Jupyter for headless runs (not needed with python-venv)
#   bench-clients  boto3 and the Python Azure SDK, the references of `npm run bench` (not in the default set)
# Usage: scripts/system-deps.sh [--check] [aws] [chromium] [pdftotext] [python-venv] [jupyter] [bench-clients]   (default: the first four)
set -euo pipefail

check_only=0
wanted=()
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    aws|chromium|pdftotext|python-venv|jupyter|bench-clients) wanted+=("$arg") ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "system-deps: unknown item '$arg' (known: aws chromium pdftotext python-venv jupyter bench-clients)" >&2; exit 2 ;;
  esac
done
[ ${#wanted[@]} -gt 0 ] || wanted=(aws chromium pdftotext python-venv)

# item -> command that proves it is there, and the Debian packages that provide it
has() {
  case "$1" in
    aws) command -v aws >/dev/null 2>&1 ;;
    chromium) [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] && [ -x "$PUPPETEER_EXECUTABLE_PATH" ] \
                || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
                || command -v google-chrome >/dev/null 2>&1 || command -v google-chrome-stable >/dev/null 2>&1 ;;
    pdftotext) command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 ;;
    python-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ;;
    jupyter) /usr/bin/python3 -c 'import nbconvert, jupyter_client' >/dev/null 2>&1 ;;
    bench-clients) /usr/bin/python3 -c 'import boto3, azure.storage.blob' >/dev/null 2>&1 ;;
  esac
}
packages() {
  case "$1" in
    aws) echo awscli ;;
    chromium) echo chromium fonts-dejavu-core ;;
    pdftotext) echo poppler-utils ;;
    python-venv) echo python3 python3-venv ;;
    jupyter) echo jupyter-nbconvert jupyter-client python3-ipykernel ;;
    bench-clients) echo python3-boto3 python3-azure-storage ;;
  esac
}

missing=()
for item in "${wanted[@]}"; do has "$item" || missing+=("$item"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: all present (${wanted[*]})"
  exit 0
fi

pkgs=()
for item in "${missing[@]}"; do read -r -a p <<<"$(packages "$item")"; pkgs+=("${p[@]}"); done

if [ "$check_only" = 1 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y --no-install-recommends ${pkgs[*]}" >&2
  echo "  (or point PUPPETEER_EXECUTABLE_PATH at an installed Chrome/Chromium for PDF output)" >&2
  exit 1
fi

echo "system-deps: installing ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
for item in "${missing[@]}"; do
  has "$item" || { echo "system-deps: $item still missing after installing its packages" >&2; exit 1; }
done
echo "system-deps: installed ${missing[*]}"
