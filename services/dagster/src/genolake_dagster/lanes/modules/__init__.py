"""The `modules` lane: a module spec uploaded with a `register_module` manifest becomes a published
module version."""
