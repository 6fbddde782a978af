"""The `birnn` commands that are not pipeline stages, one module each, loaded by name so that
no stage's code dependencies include them."""
