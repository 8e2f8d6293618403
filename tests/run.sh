#!/usr/bin/env bash
# Installs what the tests need, then runs ruff, mypy and the whole test suite.
# External tools (kubeconform, kustomize, kubectl-validate, actionlint) come from the Go module proxy;
# when one cannot be had its tests skip with the reason, and fail instead under CI=true.
set -uo pipefail
cd "$(dirname "$0")/.."

# A virtual environment inside the checkout keeps the machine's Python untouched.
[ -x .venv/bin/python ] || python3 -m venv .venv || { echo "cannot create .venv"; exit 1; }
export PATH="$PWD/.venv/bin:$PATH"
python -m pip install --quiet --disable-pip-version-check -e '.[test]' || { echo "pip install failed"; exit 1; }

export PATH="$HOME/go/bin:/usr/local/go/bin:$PATH"
install_go_tool() {  # name module@version
  command -v "$1" >/dev/null 2>&1 && return 0
  command -v go >/dev/null 2>&1 || { echo "note: go is not installed; $1 tests will skip (fail under CI)"; return 0; }
  echo "installing $1 ($2)"
  timeout 900 go install "$2" >/tmp/kvnet-go-install-"$1".log 2>&1 \
    || echo "note: could not install $1 (see /tmp/kvnet-go-install-$1.log); its tests will skip (fail under CI)"
}
install_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
install_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5@v5.7.1  # newer releases need Go >= 1.27
install_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
install_go_tool kubectl-validate sigs.k8s.io/kubectl-validate@v0.0.4

status=0
# no cache: whether an import is first-party depends on other files, so a cached "clean" can be stale
echo "== ruff"; python -m ruff check --no-cache compiler tests benchmarks || status=1
echo "== mypy"; python -m mypy || status=1  # compiler/kvnet, tests/ and benchmarks/ ([tool.mypy] files)
echo "== pytest"
# a private base folder: other pytest runs on the machine prune the shared one
python -m pytest --basetemp="$(mktemp -d /tmp/kvnet-pytest.XXXXXX)" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: that is a failure"; rc=1; fi
[ "$rc" -ne 0 ] && status=1
exit "$status"
