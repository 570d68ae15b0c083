VENV ?= .venv
PY := $(VENV)/bin/python
SHARED ?= ../shared

.PHONY: install dev demo test bench clean

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e .

dev: $(VENV)/bin/activate
	$(PY) -m pip install --quiet -e ".[dev,radiomics]"

demo: install
	$(PY) examples/demo.py --shared $(SHARED) --out out

test: dev
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/pytest -n auto --dist loadfile  # one worker per core; a file's tests share a worker

bench: install
	$(PY) bench/anatomic.py --criteria recist11,irrc,irrecist,irecist,imrecist
	$(PY) bench/pet.py

clean:  # numba's cache too: a cached kernel keeps the kernels of other modules it was compiled with
	rm -rf $(VENV) out
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete
