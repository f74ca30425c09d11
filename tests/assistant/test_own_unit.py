"""The clerk's own earlier report comes first: its formulas and places are used, last year's results are asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.adapt import UnitRef
from assistant.draft import DraftRequest, draft_section
from assistant.own_unit import is_own_document
from assistant.retrieve import Retriever
from index.build import IndexBuilder, IndexedFile
from index.embed import FakeEmbedder
from index.schema import Chunk, content_hash
from index.settings import Settings
from tests.assistant.draft_corpus import TIEP_DAN, draft_files

DAI_DONG_2024 = {"kind": "báo cáo", "unit": "UBND xã Đại Đồng", "unit_level": "xã", "year": 2024,
                 "parent_units": ["huyện Thạch Thất"], "is_governing": False, "title": "BÁO CÁO"}
OWN_TEXT = ("Công tác tiếp công dân được duy trì thường xuyên tại trụ sở UBND xã Đại Đồng và tại nhà văn hóa thôn Đông "
            "theo đúng quy định của Luật Tiếp công dân. Trong năm 2024 đã tiếp 20 lượt công dân tại thôn Đông và thôn "
            "Đoài, các kiến nghị đều được trả lời.")


def test_own_document_recognised_by_name_level_and_parents():
    target = UnitRef.parse("UBND xã Đại Đồng", parents=("huyện Thạch Thất",))
    assert is_own_document(DAI_DONG_2024, target)
    assert not is_own_document({**DAI_DONG_2024, "unit_level": "phường", "unit": "UBND phường Đại Đồng"}, target)
    assert not is_own_document({**DAI_DONG_2024, "parent_units": ["huyện Tiên Du"]}, target)
    assert not is_own_document({**DAI_DONG_2024, "is_governing": True}, target)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    source = "uploads/dai-dong-2024.txt"
    path = ("III. KẾT QUẢ THỰC HIỆN", "4. " + TIEP_DAN)
    chunk = Chunk(chunk_id=Chunk.make_id(OWN_TEXT, {"source": source}), doc_id="dai-dong-2024", source=source,
                  text=OWN_TEXT, section_path=path, line_start=40, line_end=44,
                  meta={**DAI_DONG_2024, "doc_id": "dai-dong-2024", "source": source})
    files = [*draft_files(), IndexedFile(source=source, path=f"/data/{source}", content_hash=content_hash(OWN_TEXT),
                                         chunks=(chunk,))]
    embedder = FakeEmbedder()
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("own")) / "data")
    IndexBuilder(settings, embedder).build(files)
    return settings, Retriever(settings, embedder), embedder


def test_the_units_own_report_comes_first(env):
    settings, retriever, embedder = env
    draft = draft_section(DraftRequest(section=TIEP_DAN, unit="UBND xã Đại Đồng", year=2025,
                                       parent_units=("huyện Thạch Thất",)), settings, retriever, embedder)
    own = [s for s in draft.sentences if s.origin == "own_unit"]
    # its places are its own: kept as written, cited to the unit's own report
    assert [s.text for s in own] == ["Công tác tiếp công dân được duy trì thường xuyên tại trụ sở UBND xã Đại Đồng và tại "
                                     "nhà văn hóa thôn Đông theo đúng quy định của Luật Tiếp công dân."]
    assert draft.citations[own[0].citations[0] - 1].source == "uploads/dai-dong-2024.txt" and own[0].supported
    # last year's count is not this year's: asked, with what the unit wrote last year as a hint
    hinted = [s.text for s in draft.sentences if "Báo cáo năm trước của đơn vị ghi" in s.text]
    assert hinted and "20 lượt" in hinted[0] and "thôn Đông" in hinted[0]
    assert any("Dùng trước tiên văn bản của chính đơn vị" in w for w in draft.warnings)
    other = draft_section(DraftRequest(section=TIEP_DAN, unit="UBND xã Ngọc Kỳ", year=2025), settings, retriever, embedder)
    assert all(c.source != "uploads/dai-dong-2024.txt" for c in other.citations[:1])
