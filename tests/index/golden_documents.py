"""The documents with hand-checked golden files (heading tree + metadata) in ``tests/index/golden/``."""

from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
DOCUMENTS = [
    "seeds/000_ad1bc2404d8aad29.txt",
    "seeds/001_fbaec8e52927d2a0.txt",
    "seeds/002_2cc0b2eb3d9fdbc1.txt",
    "seeds/003_6c84fea0602fb7f4.txt",
    "seeds/004_bf2fac1579fa6850.txt",
    "van-ban-dia-phuong/2579-QD-UBND-2025-can-tho.md",
]
