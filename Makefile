# The two commands of the README, and a few more. Every target installs what it needs first.
.PHONY: install up demo down status test test-unit bench

install:
	bash scripts/install-native.sh

up: install
	uv run genolake stack up

demo: up
	GENOLAKE_ENV_FILE=data/stack/genolake.env uv run genolake modules install --modules-dir ../shared/data/modules
	GENOLAKE_ENV_FILE=data/stack/genolake.env uv run genolake submit --intent analyze \
	  --vcf ../shared/data/vcf/antku_small.vcf --user demo --sample antku --build GRCh38 --wait 300

down:
	uv run genolake stack down

status:
	uv run genolake stack status

test: install
	uv run pytest

test-unit: install
	uv run pytest tests/unit

bench: up
	uv run python bench/bench_intake.py
