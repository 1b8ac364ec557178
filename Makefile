# The two commands of the README, and a few more. Every target installs what it needs first.
.PHONY: install up demo down status lint test test-unit test-compose bench

install:
	bash scripts/install-native.sh

# Where the native stack lives and its first port (override: make demo STACK_ROOT=data/stack-x PORT_BASE=22100).
STACK_ROOT ?= data/stack
PORT_BASE ?= 19000
STACK = --root $(STACK_ROOT) --port-base $(PORT_BASE)

up: install
	uv run genolake stack up $(STACK)

# The demo reads only files shipped in the repository (examples/, see examples/README.md).
# tests/unit/test_demo_sample.py reads the DEMO_* names below and checks, offline, that the sample
# matches loci of every shipped module and variants of every score (peer: plink2).
DEMO_ENV = GENOLAKE_ENV_FILE=$(STACK_ROOT)/genolake.env
DEMO_REFERENCE = examples/reference/ensembl105.longevity_sites.GRCh38.vcf.gz
DEMO_REFERENCE_BUILD = GRCh38
DEMO_VCF = examples/vcf/NA12878.exome.slice.GRCh37.vcf.gz
DEMO_SCORES = PGS000931 PGS000818
comma := ,
space := $(subst ,, )
demo: up
	$(DEMO_ENV) uv run genolake reference install --build $(DEMO_REFERENCE_BUILD) --file $(DEMO_REFERENCE)
	$(DEMO_ENV) uv run genolake modules install
	$(DEMO_ENV) uv run genolake scores install $(foreach s,$(DEMO_SCORES),--file examples/pgs/$(s).txt.gz)
	mkdir -p data/demo
	$(DEMO_ENV) uv run genolake submit --intent analyze --scores $(subst $(space),$(comma),$(strip $(DEMO_SCORES))) \
	  --vcf $(DEMO_VCF) --user demo --sample na12878 --build GRCh37 \
	  --wait 300 --report-out data/demo/report.html

down:
	uv run genolake stack down $(STACK)

status:
	uv run genolake stack status $(STACK)

lint: install
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy

test: install lint
	uv run pytest

test-unit: install
	uv run pytest tests/unit

# The production path: builds every image, `docker compose up`, a VCF to a report (tests/compose/README.md).
# Installs and starts Docker's engine if none answers (root on Debian); about 22 minutes on an empty engine, 9 with its images kept (bench/README.md).
test-compose: install
	bash scripts/install-docker.sh
	uv run pytest tests/compose -x -s -p no:cacheprovider

bench: up
	uv run python bench/bench_intake.py
