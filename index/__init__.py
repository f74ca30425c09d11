"""Ingestion and storage: files → load · normalize · parse structure · chunk · embed · store."""

from index.offline import apply_offline_env

apply_offline_env()
