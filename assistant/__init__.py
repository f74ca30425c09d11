"""The assistant: retrieve · draft · verify · lookup · compare · UI · CLI, on top of ``index``."""

from index.offline import apply_offline_env

apply_offline_env()
