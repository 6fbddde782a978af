"""Data in: sources (builtin, files, remotes, public datasets), downloads, archives."""
