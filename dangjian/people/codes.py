"""Code sets of the national member-information form (domain.md §7). Labels are translatable; codes are
stable and used in imports, exports and statistics."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Gender(models.TextChoices):  # GB/T 2261.1
    MALE = "1", _("Male")
    FEMALE = "2", _("Female")


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", _("Non-Party person")
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Development candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


MEMBER_STATUSES = (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL)


class MemberStatus(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("membership status", "Normal")
    FLOWING = "flowing", _("Flowing (away)")
    LOST = "lost", _("Lost contact")
    SUSPENDED = "suspended", _("Membership suspended")
    LEFT = "left", _("Left the Party")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out of the platform")
    DECEASED = "deceased", _("Deceased")


ON_ROLL = (MemberStatus.NORMAL, MemberStatus.FLOWING, MemberStatus.LOST)


class Education(models.TextChoices):  # 学历代码 (GB/T 4658 aligned, simplified)
    DOCTORATE = "11", _("Doctorate")
    MASTER = "14", _("Master's degree")
    BACHELOR = "21", _("Bachelor's degree")
    JUNIOR_COLLEGE = "31", _("Junior college")
    SECONDARY_SPECIALISED = "41", _("Secondary specialised school")
    VOCATIONAL_HIGH = "44", _("Vocational high school")
    TECHNICAL_SCHOOL = "47", _("Technical school")
    HIGH_SCHOOL = "61", _("Senior high school")
    MIDDLE_SCHOOL = "71", _("Junior middle school")
    PRIMARY = "81", _("Primary school and below")


COLLEGE_OR_ABOVE = ("11", "14", "21", "31")


class WorkPost(models.TextChoices):  # 工作岗位 (domain.md §7.2; prefixes per one implementation ⚠️)
    GOV_STAFF = "011", _("Staff of Party and government organs")
    PUBLIC_INST_MANAGER = "012", _("Managers of public institutions")
    PUBLIC_INST_TECH = "013", _("Professionals of public institutions")
    SOE_MANAGER = "014", _("Managers of public enterprises")
    SOE_TECH = "015", _("Professionals of public enterprises")
    PUBLIC_WORKER = "016", _("Skilled workers (public sector)")
    PRIVATE_MANAGER = "021", _("Managers of non-public enterprises")
    PRIVATE_TECH = "022", _("Professionals of non-public enterprises")
    NGO_MANAGER = "023", _("Managers of private non-enterprise units")
    NGO_TECH = "024", _("Professionals of private non-enterprise units")
    PRIVATE_WORKER = "025", _("Skilled workers (non-public sector)")
    FARMER = "1", _("Farmers, herders and fishermen")
    MIGRANT = "113", _("Farmers working or trading away from home")
    MILITARY = "2", _("Military and armed police")
    STUDENT = "3", _("Students")
    RETIRED = "4", _("Retired")
    OTHER = "5", _("Other occupations")


class Occupation(models.TextChoices):  # groups of the annual statistics bulletin (domain.md §7.3)
    WORKER = "worker", _("Workers")
    FARMER = "farmer", _("Farmers, herders and fishermen")
    PROFESSIONAL = "professional", _("Professionals")
    MANAGER = "manager", _("Managers")
    GOVERNMENT = "government", _("Party and government staff")
    STUDENT = "student", _("Students")
    RETIRED = "retired", _("Retired")
    OTHER = "other", _("Other occupations")


OCCUPATION_OF_POST = {
    "011": "government", "012": "manager", "013": "professional", "014": "manager", "015": "professional",
    "016": "worker", "021": "manager", "022": "professional", "023": "manager", "024": "professional",
    "025": "worker", "1": "farmer", "113": "farmer", "2": "other", "3": "student", "4": "retired", "5": "other",
}

ETHNICITIES = [
    ("01", "汉族"), ("02", "蒙古族"), ("03", "回族"), ("04", "藏族"), ("05", "维吾尔族"), ("06", "苗族"),
    ("07", "彝族"), ("08", "壮族"), ("09", "布依族"), ("10", "朝鲜族"), ("11", "满族"), ("12", "侗族"),
    ("13", "瑶族"), ("14", "白族"), ("15", "土家族"), ("16", "哈尼族"), ("17", "哈萨克族"), ("18", "傣族"),
    ("19", "黎族"), ("20", "傈僳族"), ("21", "佤族"), ("22", "畲族"), ("23", "高山族"), ("24", "拉祜族"),
    ("25", "水族"), ("26", "东乡族"), ("27", "纳西族"), ("28", "景颇族"), ("29", "柯尔克孜族"), ("30", "土族"),
    ("31", "达斡尔族"), ("32", "仫佬族"), ("33", "羌族"), ("34", "布朗族"), ("35", "撒拉族"), ("36", "毛南族"),
    ("37", "仡佬族"), ("38", "锡伯族"), ("39", "阿昌族"), ("40", "普米族"), ("41", "塔吉克族"), ("42", "怒族"),
    ("43", "乌孜别克族"), ("44", "俄罗斯族"), ("45", "鄂温克族"), ("46", "德昂族"), ("47", "保安族"),
    ("48", "裕固族"), ("49", "京族"), ("50", "塔塔尔族"), ("51", "独龙族"), ("52", "鄂伦春族"), ("53", "赫哲族"),
    ("54", "门巴族"), ("55", "珞巴族"), ("56", "基诺族"), ("97", "其他"), ("98", "外国血统中国籍人士"),
]
HAN = "01"

AGE_BANDS = [  # domain.md §7.3, computed at 31 December of the statistical year
    ("≤30", None, 30), ("31–35", 31, 35), ("36–40", 36, 40), ("41–45", 41, 45), ("46–50", 46, 50),
    ("51–55", 51, 55), ("56–60", 56, 60), ("≥61", 61, None),
]
