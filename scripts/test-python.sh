#!/usr/bin/env bash
# A Python with the official MCP SDK, for the tests that check our MCP server with an
# independent client (cli/tests/scaffold_support/mcp_client.py).
#
#   scripts/test-python.sh    makes (once) a venv under target/ with the pinned package from
#                             PyPI and prints its python (for ACP_TEST_MCP_PYTHON)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${ACP_TEST_PYTHON_VENV:-$PWD/target/python-mcp}
PACKAGES=(mcp==2.3.0)
if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import mcp' 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}" >&2
fi
echo "$VENV/bin/python"
