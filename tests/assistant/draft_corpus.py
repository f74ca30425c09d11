"""A small precedent corpus for drafting tests: real seed passages (normalized), three units.

Built as ``IndexedFile``s so the real ``IndexBuilder``/``Retriever`` run on it with the fake
embedder; no ingestion pipeline and no model needed.
"""

from __future__ import annotations

from pathlib import Path

from index.build import IndexBuilder, IndexedFile
from index.schema import Chunk, content_hash
from index.settings import Settings

QUANG_KHAI = {"kind": "báo cáo", "unit": "UBND xã Quang Khải", "unit_level": "xã", "year": 2023,
              "parent_units": ["huyện Tứ Kỳ", "tỉnh Hải Dương"], "is_governing": False, "title": "BÁO CÁO"}
LAM_SON = {"kind": "báo cáo", "unit": "UBND phường Lam Sơn", "unit_level": "phường", "year": 2023,
           "parent_units": ["thị xã Bỉm Sơn", "tỉnh Thanh Hóa"], "is_governing": False, "title": "BÁO CÁO"}
QUANG_TRUNG = {"kind": "báo cáo", "unit": "UBND xã Quang Trung", "unit_level": "xã", "year": 2024,
               "parent_units": ["thị xã Bỉm Sơn"], "is_governing": False, "title": "BÁO CÁO"}

TIEP_DAN = "Công tác tiếp dân, giải quyết đơn thư khiếu nại, tố cáo"

DOCS: dict[str, tuple[dict, list[tuple[tuple[str, ...], str]]]] = {
    "seeds/000_quang_khai.txt": (QUANG_KHAI, [
        (("I. ĐẶC ĐIỂM TÌNH HÌNH",),
         "Quang Khải là xã nằm về phía Tây so với trung tâm huyện Tứ Kỳ, với diện tích đất tự nhiên 657,36 ha. "
         "Xã có 3 thôn là Tân Quang, Nhũ Tỉnh và Vũ Xá, xã có 2.256 hộ với 6.894 nhân khẩu. "
         "Tình hình an ninh trật tự được giữ vững, đời sống nhân dân ổn định, từng bước được cải thiện nâng cao."),
        (("II. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO", "1. Công tác chỉ đạo và triển khai thực hiện của chính quyền"),
         "Ngay từ đầu năm, UBND xã đã quán triệt tới các cán bộ, công chức về các nội dung của Kết luận số "
         "114-KL/TW ngày 14/7/2015 của Ban Bí thư Trung ương Đảng về nâng cao hiệu quả công tác dân vận của cơ "
         "quan nhà nước các cấp. Quyết định số 1533/QĐ-UBND ngày 22/5/2018 của UBND tỉnh Hải Dương về ban hành "
         "quy định tiêu chí đánh giá công tác dân vận được triển khai đến cán bộ, công chức."),
        (("III. KẾT QUẢ THỰC HIỆN", "4. " + TIEP_DAN),
         "Công tác tiếp dân, giải quyết đơn thư, khiếu nại, tố cáo công dân được cấp ủy, chính quyền quan tâm "
         "lãnh đạo và giải quyết kịp thời những tâm tư, nguyện vọng chính đáng của nhân dân. Nội dung đơn phản "
         "ánh kiến nghị chủ yếu liên quan đến tranh chấp đất đai, cấp giấy chứng nhận Quyền sử dụng đất, chế độ "
         "chính sách. Các đơn thư đã được xem xét giải quyết, không có đơn thư tồn đọng. Trong năm đã tiếp 16 "
         "đơn, các đơn đề nghị đều được giải quyết cơ bản."),
        (("IV. ĐÁNH GIÁ CHUNG", "1. Về ưu điểm"),
         "Năng lực quản lý, điều hành của chính quyền có sự chuyển biến tích cực; công tác kiểm tra, giám sát, "
         "cải cách hành chính, giữ vững kỷ luật, kỷ cương hành chính được tăng cường."),
        (("V. PHƯƠNG HƯỚNG, NHIỆM VỤ TRONG NĂM 2024",),
         "Phát huy vai trò của người đứng đầu các cấp chính quyền trong việc đối thoại với nhân dân, lắng nghe và "
         "giải quyết kịp thời những kiến nghị, bức xúc, tâm tư, nguyện vọng chính đáng của nhân dân. Tập trung "
         "giải quyết các đơn thư khiếu nại, tố cáo, nhất là các vụ việc phức tạp, kéo dài về đất đai còn tồn tại."),
    ]),
    "seeds/003_lam_son.txt": (LAM_SON, [
        (("I. TÌNH HÌNH CHUNG",),
         "Kế hoạch phát triển kinh tế - xã hội, đảm bảo quốc phòng - an ninh năm 2023 của Phường được thực hiện "
         "trong bối cảnh nền kinh tế cả nước bị ảnh hưởng bởi suy thoái kinh tế toàn cầu. Tình hình an ninh "
         "trật tự được giữ vững, đời sống nhân dân ổn định."),
        (("III. KẾT QUẢ THỰC HIỆN", "3. " + TIEP_DAN),
         "Công tác tiếp công dân, đối thoại trực tiếp, giải quyết khiếu nại, tố cáo được thực hiện theo quy "
         "định, Chủ tịch UBND phường trực tiếp tiếp công dân theo lịch tiếp công dân định kỳ và đột xuất. "
         "Trong năm 2023 UBND phường đã tiếp 8 lượt người đến trình bày, kết quả đã kịp thời giải quyết. "
         "Trong năm 2023, UBND phường tiếp nhận 6 đơn đề nghị về đất đai đã tổ chức giải quyết xong."),
        (("IV. ĐÁNH GIÁ CHUNG",),
         "Công tác kiểm tra, giám sát, cải cách hành chính, giữ vững kỷ luật, kỷ cương hành chính được tăng cường."),
        (("V. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2024",),
         "Tiếp tục thực hiện tốt công tác tiếp công dân, giải quyết kịp thời các đơn thư khiếu nại, tố cáo "
         "ngay từ cơ sở, không để phát sinh điểm nóng trên địa bàn phường."),
    ]),
    "seeds/001_quang_trung.txt": (QUANG_TRUNG, [
        (("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO THỰC HIỆN",),
         "Công tác quán triệt, triển khai thực hiện công tác dân vận chính quyền luôn được UBND xã quan tâm, "
         "chỉ đạo thực hiện. Tiếp tục quán triệt Chỉ thị số 33/CT-TTg ngày 26/11/2021 của Thủ tướng Chính phủ "
         "về tiếp tục tăng cường và đổi mới công tác dân vận của cơ quan hành chính nhà nước."),
        (("II. KẾT QUẢ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN", "4. " + TIEP_DAN),
         "Triển khai thực hiện có hiệu quả Chỉ thị 35-CT/TW ngày 26/5/2014 của Bộ Chính trị về tăng cường sự "
         "lãnh đạo của Đảng đối với công tác tiếp công dân và giải quyết khiếu nại, tố cáo. Công tác tiếp công "
         "dân thường xuyên và định kỳ được triển khai thực hiện tại phòng tiếp dân của xã, đã chỉ đạo các ban, "
         "ngành chức năng giải quyết kịp thời cho công dân. Người đứng đầu cấp ủy, chính quyền xã Quang Trung "
         "đã tổ chức hội nghị tiếp xúc, đối thoại với Nhân dân dọc tuyến đường Lý Thường Kiệt của thôn 5."),
        (("III. ĐÁNH GIÁ CHUNG",),
         "Được sự quan tâm chỉ đạo sâu sát của cấp ủy đảng và chính quyền địa phương, công tác dân vận trong "
         "thời gian qua đã đạt được một số kết quả nhất định."),
    ]),
}

FOREIGN_NAMES = ["Quang Khải", "Lam Sơn", "Quang Trung", "Tân Quang", "Nhũ Tỉnh", "Vũ Xá", "Lý Thường Kiệt",
                 "Hải Dương", "Bỉm Sơn"]
FOREIGN_FIGURES = ["657,36", "2.256", "6.894", "16", "8", "6"]


def draft_files() -> list[IndexedFile]:
    files = []
    for source, (meta, sections) in DOCS.items():
        chunks = []
        line = 1
        for path, text in sections:
            ident = {"source": source, "section": list(path), "line": line}
            chunks.append(Chunk(chunk_id=Chunk.make_id(text, ident), doc_id=Path(source).stem, source=source,
                                text=text, section_path=path, line_start=line, line_end=line + 3,
                                meta={**meta, "doc_id": Path(source).stem, "source": source}))
            line += 5
        files.append(IndexedFile(source=source, path=f"/corpus/{source}", content_hash=content_hash(source),
                                 chunks=tuple(chunks)))
    return files


def build_draft_index(data_dir: Path, embedder) -> Settings:
    settings = Settings(data_dir=data_dir)
    IndexBuilder(settings, embedder).build(draft_files())
    return settings


def draft_env(folder: Path):
    """(settings, retriever, embedder) over the draft corpus indexed in ``folder/data`` with FakeEmbedder."""
    from assistant.retrieve import Retriever
    from index.embed import FakeEmbedder

    embedder = FakeEmbedder()
    settings = build_draft_index(Path(folder) / "data", embedder)
    return settings, Retriever(settings, embedder), embedder
