"""Fixed word lists the demo seed draws from: Korean names, company name parts,
industrial complexes, KSIC manufacturing codes, institutions, labs and reasons.

Everything here is invented or public-domain general knowledge; no list names a
real person. Company names are generated from syllables, so a collision with a
real firm is coincidence, and their business numbers are deliberately invalid.
"""
from __future__ import annotations

# Surnames with approximate shares of the Korean population (per cent, 2015 census
# rounded); the tail shares the remainder so rarer surnames still appear.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("김", 21.5), ("이", 14.7), ("박", 8.4), ("최", 4.7), ("정", 4.3), ("강", 2.4), ("조", 2.1),
    ("윤", 2.1), ("장", 2.0), ("임", 1.7), ("한", 1.5), ("오", 1.5), ("서", 1.5), ("신", 1.5),
    ("권", 1.4), ("황", 1.4), ("안", 1.4), ("송", 1.3), ("전", 1.3), ("홍", 1.1), ("유", 1.1),
    ("고", 0.9), ("문", 0.9), ("양", 0.9), ("손", 0.9), ("배", 0.8), ("백", 0.8), ("허", 0.6),
    ("남", 0.5), ("심", 0.5), ("노", 0.5), ("하", 0.5), ("곽", 0.4), ("성", 0.4), ("차", 0.4),
    ("주", 0.4), ("우", 0.4), ("구", 0.4), ("민", 0.3), ("진", 0.3), ("나", 0.3), ("지", 0.3),
    ("엄", 0.3), ("채", 0.3), ("원", 0.3), ("천", 0.2), ("방", 0.2), ("공", 0.2), ("현", 0.2),
    ("함", 0.2), ("변", 0.2), ("염", 0.2), ("여", 0.2), ("추", 0.2), ("도", 0.1), ("소", 0.1),
    ("석", 0.1), ("선", 0.1), ("설", 0.1), ("마", 0.1), ("길", 0.1), ("연", 0.1), ("위", 0.1),
    ("표", 0.1), ("명", 0.1), ("기", 0.1), ("반", 0.1), ("왕", 0.1), ("금", 0.1), ("옥", 0.1),
    ("육", 0.1), ("인", 0.1), ("맹", 0.05), ("제", 0.05), ("모", 0.05), ("탁", 0.05), ("국", 0.05),
    ("어", 0.05), ("은", 0.05), ("편", 0.05), ("용", 0.05), ("예", 0.05), ("경", 0.05), ("봉", 0.05),
    ("사", 0.05), ("부", 0.05), ("황보", 0.03), ("남궁", 0.02), ("제갈", 0.02), ("선우", 0.01),
)

# Given names common for people born 1965-2003 (the working-age operators trained),
# with rough weights: names of the 1970s-80s are more frequent than recent ones.
GIVEN_NAMES: tuple[tuple[str, float], ...] = (
    ("민준", 2), ("서준", 1), ("도윤", 1), ("지훈", 4), ("현우", 4), ("성민", 5), ("영호", 4),
    ("정훈", 5), ("상훈", 5), ("성호", 5), ("영수", 4), ("동현", 5), ("준호", 5), ("재민", 3),
    ("승현", 4), ("민수", 5), ("진우", 4), ("태현", 3), ("상철", 3), ("광수", 2), ("병철", 2),
    ("창호", 2), ("기현", 3), ("대호", 3), ("종민", 3), ("세훈", 3), ("우진", 3), ("건우", 2),
    ("시우", 1), ("은우", 1), ("준혁", 3), ("태윤", 2), ("형준", 3), ("경민", 3), ("정우", 3),
    ("용준", 3), ("재혁", 3), ("동욱", 3), ("상우", 3), ("승우", 3), ("지성", 3), ("한결", 1),
    ("지영", 5), ("수진", 5), ("은정", 4), ("미경", 3), ("혜진", 5), ("선영", 4), ("지은", 5),
    ("수연", 4), ("민지", 4), ("유진", 4), ("은지", 4), ("현정", 4), ("미영", 3), ("정아", 3),
    ("소영", 3), ("보람", 3), ("지현", 5), ("서연", 2), ("하은", 1), ("지우", 2), ("예린", 1),
    ("다은", 2), ("수빈", 3), ("가영", 2), ("나연", 2), ("은비", 2), ("혜원", 3), ("윤희", 3),
    ("경희", 2), ("명숙", 1), ("순자", 0.5), ("영미", 2), ("주희", 3), ("세영", 3), ("하늘", 2),
)

# Company names: an optional legal form, a two-syllable stem, an industry word.
COMPANY_STEM_FIRST = ("대", "한", "동", "세", "삼", "태", "영", "신", "우", "진", "성", "미", "금", "화",
                      "광", "경", "보", "일", "유", "청", "현", "정", "효", "명", "국", "상", "용", "천")
COMPANY_STEM_SECOND = ("성", "빛", "원", "양", "진", "일", "화", "신", "우", "흥", "아", "한", "광", "산",
                       "영", "림", "도", "창", "명", "보", "덕", "승", "해", "서", "호", "동", "정", "윤")
COMPANY_WORDS = ("정밀", "금형", "산업", "테크", "기계", "전자", "오토메이션", "화학", "소재", "엔지니어링",
                 "메탈", "공업", "시스템", "주철", "단조", "열처리", "도금", "플라스틱", "로보틱스", "센서",
                 "정공", "기공", "하이텍", "이엔지", "폼텍", "케미칼", "모터스", "부품")
COMPANY_FORMS = (("(주)", 0.55), ("", 0.30), ("주식회사 ", 0.10), ("(유)", 0.05))

# (KSIC 5-digit code, root technology code or None, weight). All are section C
# (manufacturing, divisions 10-34); root-technology firms are over-represented
# because the programme gives them priority.
KSIC_CODES: tuple[tuple[str, str | None, float], ...] = (
    ("24311", "casting", 3), ("24312", "casting", 2), ("24322", "casting", 1),
    ("29294", "mold", 5), ("25911", "forming", 2), ("25912", "forming", 2),
    ("25112", "welding", 3), ("25921", "heat", 2), ("25922", "surface", 3), ("25923", "surface", 1),
    ("22241", "injection_press", 4), ("29229", "precision", 2), ("25934", "precision", 2),
    ("29280", "robot", 2), ("27215", "sensor", 1), ("26299", "sensor", 1),
    ("30332", None, 8), ("30393", None, 4), ("29141", None, 3), ("28111", None, 3),
    ("26211", None, 2), ("20421", None, 2), ("10712", None, 2), ("13102", None, 1),
    ("17221", None, 1), ("27199", None, 1), ("31114", None, 1), ("33309", None, 1),
)

SIZE_WEIGHTS = (("micro", 20), ("small", 45), ("medium", 25), ("midsize", 10))
LEVEL_WEIGHTS = (("none", 30), ("basic", 40), ("intermediate1", 20), ("intermediate2", 8), ("advanced", 2))

# Region code -> (weight of firms there, industrial complexes (산단) firms sit in). Names that are in
# lms/orgs/data/industrial_complexes.csv use that reference row (and its smart-complex designation); the
# others are demo-only complexes the seed adds as general, not designated (see lms/demo/meisters.py).
REGIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "48": (16, ("창원국가산업단지", "김해골든루트일반산업단지", "진주상평일반산업단지")),
    "41": (22, ("반월·시화국가산업단지", "반월·시화국가산업단지", "평택포승국가산업단지")),
    "26": (8, ("신평·장림일반산업단지", "녹산국가산업단지")),
    "27": (7, ("성서일반산업단지", "달성일반산업단지")),
    "47": (8, ("구미국가산업단지", "포항철강일반산업단지")),
    "31": (6, ("울산미포국가산업단지", "온산국가산업단지")),
    "28": (6, ("남동국가산업단지", "한국수출국가산업단지 (인천 부평·주안)", "인천서부일반산업단지")),
    "44": (6, ("아산국가산업단지", "천안제3일반산업단지")),
    "43": (5, ("오송생명과학단지", "청주일반산업단지")),
    "30": (3, ("대전일반산업단지",)),
    "29": (3, ("광주첨단과학국가산업단지", "하남일반산업단지")),
    "46": (3, ("여수국가산업단지", "광양국가산업단지")),
    "52": (3, ("익산국가산업단지", "전주과학산업단지")),
    "51": (2, ("원주문막일반산업단지",)),
    "11": (2, ("서울디지털국가산업단지",)),
}

# Universities running the smart-factory contract departments (programme.md).
# key, name_ko, name_en, region, department ko/en, contract type, head name ko/en (heads are invented)
UNIVERSITIES = (
    ("donga", "동아대학교", "Dong-A University", "26", "스마트생산융합시스템공학과",
     "Dept. of Smart Production Convergence Systems Engineering", "retraining", "최성민", "Choi Seong-min"),
    ("hanbat", "한밭대학교", "Hanbat National University", "30", "스마트생산경영공학과",
     "Dept. of Smart Production Management Engineering", "retraining", "윤재혁", "Yoon Jae-hyeok"),
    ("sunchon", "순천대학교", "Sunchon National University", "46", "스마트팩토리혁신학과",
     "Dept. of Smart Factory Innovation", "hire", "장세영", "Jang Se-young"),
    ("hankyong", "한경대학교", "Hankyong National University", "41", "스마트팩토리융합학과",
     "Dept. of Smart Factory Convergence", "early", "서동욱", "Seo Dong-wook"),
    ("daegu", "대구대학교", "Daegu University", "47", "스마트융합시스템공학과",
     "Dept. of Smart Convergence Systems Engineering", "hire", "노경희", "Noh Kyung-hee"),
)
CONTRACT_TYPE_KO = {"retraining": "재교육형", "hire": "채용조건형", "early": "조기취업형"}
CONTRACT_TYPE_EN = {"retraining": "retraining", "hire": "hire on completion", "early": "early employment"}

# Smart-lab operators with their rooms (name ko, name en, seats) and equipment
# (kind, name, quantity, room index).
LAB_OPERATORS = (
    {
        "key": "changwon", "name_ko": "경남창원산학융합원", "name_en": "Gyeongnam Changwon Industry-Academia Convergence Institute",
        "region": "48", "head_title_ko": "원장", "head_title_en": "Director", "head_ko": "한상우", "head_en": "Han Sang-woo",
        "lab_ko": "창원 스마트랩", "lab_en": "Changwon Smart Lab", "address": "경상남도 창원시 의창구 창원대학로 20",
        "rooms": (("메인 실습실", "Main", 24), ("센서 실습실", "Sensor", 16), ("액추에이터 실습실", "Actuator", 16),
                  ("제어 실습실", "Control", 20), ("설계 실습실", "Design", 20), ("ICT/IoT 자동화 실습실", "ICT/IoT automation", 20)),
        "equipment": (("cobot", "협동로봇 자동화 공정 셀", 4, 0), ("iot_kit", "스마트 센서 실습 키트", 16, 1),
                      ("other", "서보·공압 액추에이터 트레이너", 8, 2), ("plc_bench", "PLC 제어 실습대", 10, 3),
                      ("other", "3D CAD 설계 워크스테이션", 20, 4), ("mes_pop_station", "MES/POP 단말", 10, 5),
                      ("other", "CPS 디지털트윈 서버", 1, 5)),
    },
    {
        "key": "kpu", "name_ko": "한국산업기술대학교", "name_en": "Korea Polytechnic University",
        "region": "41", "head_title_ko": "총장", "head_title_en": "President", "head_ko": "문태현", "head_en": "Moon Tae-hyun",
        "lab_ko": "시흥 스마트랩", "lab_en": "Siheung Smart Lab", "address": "경기도 시흥시 산기대학로 237",
        "rooms": (("SMT 라인", "SMT line", 12), ("PLC/로봇 실습실", "PLC/robot lab", 20), ("ERP/MES/SCM 실습실", "ERP/MES/SCM lab", 24)),
        "equipment": (("smt_line", "SMT 표면실장 라인", 1, 0), ("plc_bench", "PLC 실습대", 12, 1), ("cobot", "협동로봇", 3, 1),
                      ("mes_pop_station", "ERP/MES/SCM 실습 PC", 24, 2)),
    },
)

# The online courses are offered by the academy's own training centre.
ONLINE_CENTRE = {"name_ko": "스마트공장 아카데미 온라인교육센터", "name_en": "Smart Factory Academy Online Training Centre",
                 "region": "11", "head_title_ko": "센터장", "head_title_en": "Director", "head_ko": "정다운",
                 "head_en": "Jung Da-un"}

REVOCATION_REASONS = (
    "대리 출석이 확인되어 수료를 취소함",
    "실습 평가 기록 오류로 수료 요건 미충족이 확인됨",
    "평가 대리 응시가 확인됨",
    "중복 발급된 수료증을 취소함",
)
SIGNOFF_CORRECTION_NOTES = ("점검 항목 입력 오류 정정", "평가자 확인 후 결과 정정", "다른 훈련생 기록으로 잘못 입력하여 정정")
SIGNOFF_COMMENTS = ("", "", "", "", "안전 수칙 준수 양호", "작업 순서 숙지", "재확인 필요했으나 스스로 수정", "설명 없이 수행 가능")
FAIL_COMMENTS = ("비상정지 확인 누락", "작업 순서 오류", "안전보호구 미착용", "측정값 기록 누락")
