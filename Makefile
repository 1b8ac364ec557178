# The two commands of the README, and a few more. Every target installs what it needs first.
.PHONY: install up demo down status lint test test-unit bench

install:
	bash scripts/install-native.sh

up: install
	uv run genolake stack up

demo: up
	GENOLAKE_ENV_FILE=data/stack/genolake.env uv run genolake modules install --modules-dir ../shared/data/modules
	GENOLAKE_ENV_FILE=data/stack/genolake.env uv run genolake scores install \
	  --file ../shared/data/pgs/PGS000001_hmPOS_GRCh38.txt.gz --file ../shared/data/pgs/PGS000002_hmPOS_GRCh38.txt.gz
	GENOLAKE_ENV_FILE=data/stack/genolake.env uv run genolake submit --intent analyze --scores PGS000001,PGS000002 \
	  --vcf ../shared/data/vcf/antku_small.vcf --user demo --sample antku --build GRCh38 --wait 300

down:
	uv run genolake stack down

status:
	uv run genolake stack status

lint: install
	uv run ruff check .
	uv run ruff format --check .

test: install lint
	uv run pytest

test-unit: install
	uv run pytest tests/unit

bench: up
	uv run python bench/bench_intake.py
