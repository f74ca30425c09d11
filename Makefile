# Two commands for a user: `make run` (the app on the bundled corpus) and `make test`.
# Everything they need is installed here, so a fresh machine works with nothing done by hand.

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
TORCH_WHEEL ?= /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
STAMP       := $(VENV)/.installed

export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False
export TOKENIZERS_PARALLELISM=false
export ORT_DISABLE_TELEMETRY=1

.PHONY: install models index run test browser document-tools bench clean-index lock

# Every package, direct and transitive, is installed at the version in constraints.txt (pip's own
# constraints mechanism): two machines a month apart get the same set. `make lock` refreshes it.
LOCK        := constraints.txt

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip -c $(LOCK)
	@# CPU PyTorch first: installed later as a dependency it would pull GBs of CUDA wheels.
	@if $(BIN)/python -c "import torch" 2>/dev/null; then \
	    echo "torch already installed: $$($(BIN)/python -c 'import torch; print(torch.__version__)')"; \
	elif [ -f "$(TORCH_WHEEL)" ]; then \
	    $(BIN)/python -m pip install --quiet "$(TORCH_WHEEL)"; \
	else \
	    echo "ERROR: CPU PyTorch wheel not found at $(TORCH_WHEEL)." >&2; \
	    echo "Set TORCH_WHEEL=/path/to/torch-*+cpu-cp311-*.whl (installing plain 'torch' would pull CUDA)." >&2; \
	    exit 1; \
	fi
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	@touch $(STAMP)

# Re-resolve every dependency at its newest allowed release in a throw-away venv and write the
# versions to constraints.txt. Deliberate: run `make test` with the new lock before committing it.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet "$(TORCH_WHEEL)"
	.venv-lock/bin/python -m pip install --quiet -e ".[test]"
	@{ echo "# Exact versions make installs (pip install -c constraints.txt). Written by 'make lock' on $$(date -u +%F);"; \
	   echo "# the CPU torch wheel is installed first from TORCH_WHEEL and pinned here by version."; \
	   .venv-lock/bin/python -m pip freeze --all --exclude-editable \
	     | sed -E "s|^torch @ .*|torch==$$(.venv-lock/bin/python -c 'import torch; print(torch.__version__)')|" \
	     | LC_ALL=C sort -f; } > $(LOCK)
	rm -rf .venv-lock
	@echo "constraints.txt refreshed: run 'make test' before committing it"

install: $(STAMP)

models: install
	$(BIN)/soanthao prepare-models

index: models document-tools
	$(BIN)/soanthao index

run: index
	$(BIN)/soanthao serve

# Headless Chromium for the browser test (Debian package; Playwright drives it, never downloads one).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian chromium for the browser test…"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null; \
	else \
	    echo "chromium is not installed and cannot be installed here: the browser test will be skipped" >&2; \
	fi

# The programs the clerk's formats need (Debian packages): Tesseract with its Vietnamese data for scans,
# Poppler to render scanned PDF pages, LibreOffice to convert .doc/.odt. Without them those files are
# rejected with a message naming the package, and everything else is indexed.
DOC_TOOLS_PACKAGES := tesseract-ocr tesseract-ocr-vie poppler-utils libreoffice-writer-nogui

document-tools:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie \
	    && command -v pdftoppm >/dev/null 2>&1 && command -v soffice >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $(DOC_TOOLS_PACKAGES) for scans (OCR) and .doc/.odt…"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	        $(DOC_TOOLS_PACKAGES) >/dev/null; \
	else \
	    echo "Not installed and cannot be installed here: $(DOC_TOOLS_PACKAGES)." >&2; \
	    echo "Scans and .doc/.odt files will be rejected and their tests skipped." >&2; \
	fi

# The index of the bundled corpus is built first: the tests start from a copy of it and the
# evaluation in .ci/run reuses it, so the corpus is embedded once.
test: index browser document-tools
	$(BIN)/python -m pytest

bench: index
	$(BIN)/python -m bench

clean-index:
	rm -rf data/index
