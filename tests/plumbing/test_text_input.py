"""One set of text rules (summit.plumbing.text_input) on every input path.

- Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused with a clear
  message in Chinese and English: on the registration form, the self-service page, the console's
  delegate, programme and route forms, an API token's label and the JSON API.
- More than four combining marks in a row on one letter are refused; real names in many scripts,
  with every mark they need, are accepted and kept as typed (in NFC).
- The paths agree: one table of strings gives the same verdict on each of them (they used to
  differ: only the delegate's form refused U+2028).
"""
from __future__ import annotations

import re
import unicodedata
from html import unescape

import pytest

from support.app import csrf_token
from support.console_support import api_token, page_csrf, sign_in
from support.factories import delegate_data, register
from summit.plumbing.extensions import db
from summit.models import ApiToken, Delegate, ProgrammeItem, VisitRoute
from summit.plumbing.text_input import MARKS_MAX, clean

BIDI = {"en": "text-direction control character", "zh": "文字方向控制字符"}
MARKS = {"en": "Too many accents or marks on one letter", "zh": "单个字母上的附加符号过多"}
CONTROL = {"en": "control characters", "zh": "控制字符"}

#: the issue's spoofs, and every one of the nine controls
SPOOFS = ["\u202eNIMDA\u202c", "Evil\u202e.gro.kcatta\u202c Corp",
          *(f"Name{chr(c)}Tail" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])]
ZALGO = "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306" + "algo"

#: real names, as their bearers write them: every script keeps the marks it needs
NAMES = [
    "Nguyễn Thị Minh Khai",            # Vietnamese: two marks on one letter, precomposed by NFC
    "Nguye\u0302\u0303n Va\u0306n",    # … and typed decomposed
    "नरेन्द्र दामोदरदास मोदी",            # Devanagari: virama, vowel signs
    "ज़्यादा क्षत्रिय",                     # Devanagari: nukta + virama on one letter
    "ประยุทธ์ จันทร์โอชา", "กี่ ปี่ น้ำ",     # Thai: vowel and tone marks stacked
    "مُحَمَّد بْن سَلْمَان",                 # Arabic with harakat (shadda + fatha)
    "عَبْدُ ٱللَّٰه",                       # shadda + fatha + dagger alef: three marks
    "شهباز شریف", "مسعود پزشکیان",      # Urdu, Persian
    "מ\u200fשְׁלֹמֹה", "בִּנְיָמִין נְתַנְיָהוּ",  # Hebrew with niqqud (and an RLM)
    "문재인", "\u1106\u116e\u11ab\u110c\u1162\u110b\u1175\u11ab",  # Korean, and as conjoining jamo
    "བསྟན་འཛིན་རྒྱ་མཚོ", "བསྒྲུབས",            # Tibetan stacks
    "ශ්‍රී ලංකා",                          # Sinhala: ZWJ
    "می‌خواهم",                          # Persian: ZWNJ
    "ஸ்ரீநிவாசன்", "పవన్ కళ్యాణ్", "ಸಿದ್ದರಾಮಯ್ಯ", "ഉമ്മൻ ചാണ്ടി", "ভূপেন্দ্র", "ਭਗਵੰਤ ਮਾਨ",
    "အောင်ဆန်းစုကြည်", "ហ៊ុន សែន", "ທອງລຸນ ສີສຸລິດ", "ዐቢይ አሕመድ", "მიხეილ სააკაშვილი", "Նիկոլ Փաշինյան",
    "Κυριάκος Μητσοτάκης", "Владимир Зеленский", "Ọláyínká Akínwùmí", "Dinéʼ Ą́ą́", "岸田文雄", "习近平",
    "محمد\u061c 2024",                  # an ALM before digits
    "Sánchez\u200e (ES)",               # an LRM
]


def bidi_words(html: str) -> bool:
    return BIDI["en"] in html or BIDI["zh"] in html


# ---- the rules themselves --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_real_names_in_many_scripts_pass_the_rules(name):
    text, why = clean(name, limit=200)
    assert why is None, (name, str(why))
    assert text == unicodedata.normalize("NFC", name).strip()


@pytest.mark.parametrize("text", SPOOFS)
def test_every_bidi_control_is_refused(text):
    assert BIDI["en"] in str(clean(text, limit=200)[1])


def test_marks_are_capped_per_letter_not_per_name():
    assert clean("x" + "\u0301\u0302\u0303\u0304", limit=50)[1] is None  # four: the most allowed
    assert MARKS["en"] in str(clean("x" + "\u0301\u0302\u0303\u0304\u0305", limit=50)[1])
    assert MARKS["en"] in str(clean(ZALGO, limit=50)[1])
    # many marked letters, each within the cap
    assert clean("\u0301\u0302".join("abcdefghij") + "\u0301", limit=200)[1] is None
    assert MARKS_MAX == 4


# ---- every input path ----------------------------------------------------------------------------------

def form_errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'<p class="error"[^>]*>([^<]+)</p>', html)]


def registration_form(client, lang, **fields):
    page = client.get(f"/register?lang={lang}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "given_name": "Fatima", "family_name": "Al-Sayed",
            "native_name": "فاطمة السيد", "email": "fatima@example.ae", "organisation": "Roads Authority",
            "country": "AE", "category": "government", "language": lang, "route": "", "consent": "y"}
    data.update(fields)
    return data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_registration_form_refuses_bidi_controls_and_keeps_what_was_typed(client, summit, lang):
    response = client.post("/register", data=registration_form(client, lang, native_name=SPOOFS[0],
                                                              organisation=SPOOFS[1]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert [e for e in form_errors(html) if BIDI[lang] in e] and len([e for e in form_errors(html)
                                                                       if BIDI[lang] in e]) == 2
    assert 'value="Fatima"' in html and 'value="fatima@example.ae"' in html
    assert db.session.query(Delegate).count() == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_registration_form_caps_marks(client, summit, lang):
    response = client.post("/register", data=registration_form(client, lang, native_name=ZALGO))
    assert response.status_code == 422 and any(MARKS[lang] in e for e in form_errors(response.get_data(as_text=True)))


def test_the_registration_form_accepts_real_names(client, summit):
    for number, name in enumerate(NAMES):
        response = client.post("/register", data=registration_form(client, "en", native_name=name,
                                                                  email=f"name{number}@example.org"))
        assert response.status_code == 302, (name, form_errors(response.get_data(as_text=True)))
    stored = set(db.session.scalars(db.select(Delegate.native_name)))
    assert stored == {" ".join(unicodedata.normalize("NFC", n).split()) for n in NAMES}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_api_refuses_bidi_controls_and_marks_in_the_askers_language(client, summit, lang):
    headers = {"Accept-Language": lang}
    for field, value, words in (("native_name", SPOOFS[0], BIDI), ("organisation", SPOOFS[1], BIDI),
                                ("job_title", ZALGO, MARKS), ("dietary_needs", "Halal\u2066x", BIDI)):
        response = client.post("/api/v1/registrations", json=delegate_data(**{field: value}), headers=headers)
        assert response.status_code == 422, field
        assert any(words[lang] in m for m in response.get_json()["errors"][field]), response.get_json()
    assert db.session.query(Delegate).count() == 0


def test_the_api_accepts_real_names(client, summit):
    for name in NAMES:
        response = client.post("/api/v1/registrations", json=delegate_data(native_name=name))
        assert response.status_code == 201, (name, response.get_json())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_self_service_page_refuses_bidi_controls(client, summit, lang):
    delegate = register(summit)
    url = f"/manage/{delegate.manage_token}/details?lang={lang}"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "given_name": "Amina", "family_name": "Diallo",
            "native_name": SPOOFS[0], "email": delegate.delegate.email, "organisation": "Ministry of Transport",
            "country": "SN", "category": "government", "language": "en"}
    response = client.post(url, data=data)
    assert response.status_code == 422 and any(BIDI[lang] in e for e in form_errors(response.get_data(as_text=True)))
    db.session.expire_all()
    assert db.session.get(Delegate, delegate.delegate.id).native_name == ""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_console_refuses_bidi_controls_in_a_delegate_an_item_a_route_and_a_token(client, summit, lang):
    organiser = sign_in(client, "organiser")
    organiser.get(f"/console/?lang={lang}")
    delegate = register(summit)
    url = f"/console/delegates/{delegate.delegate.id}/edit"
    data = {"csrf_token": page_csrf(organiser, url), "given_name": "Amina", "family_name": "Diallo",
            "native_name": "", "email": delegate.delegate.email, "organisation": SPOOFS[1], "job_title": "",
            "country": "SN", "category": "government", "phone": "", "dietary_needs": "", "accessibility_needs": "",
            "language": "en"}
    response = organiser.post(url, data=data)
    assert response.status_code == 422 and bidi_words(response.get_data(as_text=True))
    assert BIDI[lang] in response.get_data(as_text=True)

    url = "/console/programme/new"
    response = organiser.post(url, data={
        "csrf_token": page_csrf(organiser, url), "kind": "thematic", "title_zh": "城市交通", "title_en": SPOOFS[0],
        "starts_at": "2024-09-26T14:00", "ends_at": "2024-09-26T15:30", "venue_zh": "", "venue_en": "",
        "description_zh": "", "description_en": ""})
    assert response.status_code == 422 and BIDI[lang] in response.get_data(as_text=True)
    assert db.session.query(ProgrammeItem).filter(ProgrammeItem.title_en == SPOOFS[0]).count() == 0

    r = summit.routes[0]
    url = f"/console/routes/{r.id}/edit"
    page = organiser.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    stops = unescape(re.search(r'<textarea[^>]*name="stops"[^>]*>(.*?)</textarea>', page, re.S).group(1)).strip()
    response = organiser.post(url, data={**{k: unescape(v) for k, v in fields.items()},
                                         "stops": stops + "\nEvil\u2067 stop | Evil\u2067 stop"})
    assert response.status_code == 422 and BIDI[lang] in response.get_data(as_text=True), fields
    db.session.expire_all()
    assert "Evil" not in str(db.session.get(VisitRoute, r.id).stops)

    url = "/console/tokens"
    response = organiser.post(url, data={"csrf_token": page_csrf(organiser, url), "label": SPOOFS[0]})
    assert response.status_code == 422 and BIDI[lang] in response.get_data(as_text=True)
    assert db.session.query(ApiToken).count() == 0


def test_searches_follow_the_same_rules(client, summit):
    headers = api_token("staff")
    response = client.get("/api/v1/delegates", query_string={"q": SPOOFS[0]}, headers=headers)
    assert response.status_code == 422 and BIDI["en"] in response.get_json()["errors"]["q"][0]
    assert client.get("/api/v1/delegates", query_string={"q": "عَبْدُ ٱللَّٰه"}, headers=headers).status_code == 200
    staff = sign_in(client, "staff")
    response = staff.get("/desk/badges", query_string={"q": SPOOFS[0]})
    assert response.status_code == 400 and BIDI["en"] in response.get_data(as_text=True)
    assert staff.get("/desk/badges", query_string={"q": "王"}).status_code == 200


#: (text, refused because) : the same verdict on every path
TABLE = [
    ("Plain words", None), ("Ünïcödé and 中文", None), ("Line\u2028break", CONTROL), ("Para\u2029graph", CONTROL),
    ("Bell\x07", CONTROL), ("Escape\x1b[31m", CONTROL), ("C1\x85control", CONTROL), ("Tab\tinside", CONTROL),
    (SPOOFS[0], BIDI), ("Iso\u2068late", BIDI), (ZALGO, MARKS), ("ZW\u200dJ and ZW\u200cNJ", None),
    ("RLM\u200f LRM\u200e ALM\u061c", None), ("Unassigned\U000e0080", CONTROL),
]


def test_every_path_gives_the_same_verdict(client, summit):
    """The console's programme title (an organiser's), and a delegate's organisation on the API and the form."""
    organiser = sign_in(client, "organiser")
    for text, refused in TABLE:
        verdicts = []
        response = client.post("/api/v1/registrations", json=delegate_data(organisation=text))
        verdicts.append(None if response.status_code == 201 else " ".join(response.get_json()["errors"]["organisation"]))
        response = client.post("/register", data=registration_form(client, "en", organisation=text,
                                                                  email=f"v{len(text)}{ord(text[-1])}@example.org"))
        verdicts.append(None if response.status_code == 302 else " ".join(form_errors(response.get_data(as_text=True))))
        url = "/console/programme/new"
        response = organiser.post(url, data={
            "csrf_token": page_csrf(organiser, url), "kind": "thematic", "title_zh": "城市交通", "title_en": text,
            "starts_at": "2024-09-26T14:00", "ends_at": "2024-09-26T15:30", "venue_zh": "", "venue_en": "",
            "description_zh": "", "description_en": ""})
        verdicts.append(None if response.status_code == 302 else " ".join(form_errors(response.get_data(as_text=True))))
        if refused is None:
            assert verdicts == [None, None, None], (text, verdicts)
        else:
            assert all(v and refused["en"] in v for v in verdicts), (text, verdicts)
