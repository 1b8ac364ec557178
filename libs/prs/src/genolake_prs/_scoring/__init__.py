"""The parts of `genolake_prs.scoring_file`: the header, the columns, reading the table (a fast typed
path and a strict one that names the first bad value), the checks, and the variants built from it."""
