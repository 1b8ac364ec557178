"""The parts of `genolake_prs.match`: the codes, preparing the scores once, labelling each distinct
variant against the sample, the row-level rules, and the decoded match log."""
