"""A tiny hand-built Vietnamese corpus of ``Chunk``s for index/retrieval logic tests (no ingestion, no model).

Three files: two commune reports (one paragraph of the second near-copies the first, as
reports do) and one governing text with document numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from index.build import IndexedFile
from index.schema import Chunk, content_hash

REPORT_A = {"kind": "báo cáo", "unit": "UBND xã Quang Khải", "unit_name": "Quang Khải", "year": 2023,
            "is_governing": False, "title": "BÁO CÁO", "summary": "Kết quả thực hiện dân chủ ở cơ sở năm 2023"}
REPORT_B = {"kind": "báo cáo", "unit": "UBND phường Song Vân", "unit_name": "Song Vân", "year": 2024,
            "is_governing": False, "title": "BÁO CÁO", "summary": "Công tác hòa giải năm 2024"}
LAW_C = {"kind": "luật", "unit": None, "year": 2022, "is_governing": True, "title": "Luật Thực hiện dân chủ ở cơ sở"}

TEXTS: dict[str, tuple[dict[str, Any], list[tuple[str, tuple[str, ...]]]]] = {
    "seeds/a.txt": (REPORT_A, [
        ("Công tác tiếp công dân được duy trì định kỳ, giải quyết khiếu nại, tố cáo đúng quy định của pháp luật.",
         ("III. KẾT QUẢ", "4. Công tác tiếp dân")),
        ("Thực hiện Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ, Ủy ban nhân dân xã "
         "tuyên truyền sâu rộng trong nhân dân.", ("II. CÔNG TÁC CHỈ ĐẠO",)),
        ("Đảng ủy xã ban hành 33 văn bản chỉ đạo, CT phối hợp với Mặt trận Tổ quốc về TTg.", ("II. CÔNG TÁC CHỈ ĐẠO",)),
    ]),
    "seeds/b.txt": (REPORT_B, [
        ("Tổ hòa giải ở cơ sở hòa giải thành 12 vụ việc mâu thuẫn trong khu dân cư.", ("I. HÒA GIẢI",)),
        ("Công tác tiếp công dân được duy trì định kỳ; giải quyết khiếu nại, tố cáo đúng quy định của pháp luật",
         ("II. TIẾP DÂN",)),
    ]),
    "phapdien/luat.md": (LAW_C, [
        ("Nghị định số 04/2015/NĐ-CP quy định về thực hiện dân chủ trong hoạt động của cơ quan hành chính nhà nước.",
         ("Điều 11",)),
        ("Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15 có hiệu lực thi hành từ ngày 01 tháng 7 năm 2023.",
         ("Điều 90",)),
    ]),
}


def make_file(source: str, meta: dict[str, Any], paragraphs: list[tuple[str, tuple[str, ...]]]) -> IndexedFile:
    doc_id = source.rsplit("/", 1)[-1].split(".")[0]
    chunks = []
    for i, (text, section) in enumerate(paragraphs):
        ident = {"source": source, "section": list(section), "line_start": 10 * i + 1}
        chunks.append(Chunk(chunk_id=Chunk.make_id(text, ident), doc_id=doc_id, source=source, text=text,
                            section_path=section, line_start=10 * i + 1, line_end=10 * i + 3, meta=dict(meta)))
    full = "\n".join(t for t, _ in paragraphs)
    return IndexedFile(source=source, path=f"/corpus/{source}", content_hash=content_hash(full),
                       chunks=tuple(chunks))


def tiny_files() -> list[IndexedFile]:
    return [make_file(src, meta, paras) for src, (meta, paras) in TEXTS.items()]


def with_changed_chunk(file: IndexedFile, index: int, new_text: str) -> IndexedFile:
    """``file`` with chunk ``index`` rewritten (new id, new content hash)."""
    chunks = list(file.chunks)
    old = chunks[index]
    ident = {"source": old.source, "section": list(old.section_path), "line_start": old.line_start}
    chunks[index] = replace(old, text=new_text, chunk_id=Chunk.make_id(new_text, ident))
    return replace(file, chunks=tuple(chunks), content_hash=content_hash("\n".join(c.text for c in chunks)))
