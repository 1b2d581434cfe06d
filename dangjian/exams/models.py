"""Self-service exams (自选档次、自主答题、自动评分、自然提高, seed 000 §1.3): a question bank owned by an organisation
(a committee's bank serves its whole subtree), a set per tier drawn every month, papers drawn from the set for
each attempt, the best attempt of the month per tier, and the 我是冠军 competition built on those results.

Rules live in rules.py (pure) and services.py (state changes); this module only stores. Administrative records
(questions, sets, settings, competitions, awards) are audited; attempts and their answers are the members' own
work and are not, so that answering stays fast (an attempt is immutable once scored)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class Tier(models.TextChoices):
    """Three difficulty tiers; A is the hardest (a tie on score goes to the harder tier)."""

    A = "A", _("Tier A (advanced)")
    B = "B", _("Tier B (intermediate)")
    C = "C", _("Tier C (basic)")


TIER_RANK = {Tier.A: 0, Tier.B: 1, Tier.C: 2}  # lower ranks higher


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True or false")
    FILL = "fill", _("Fill in the blank")


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Category(AuditedModel):
    """A subject of a bank (党建规章, 业务规章, 安全应急 …). Sets are balanced across categories."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("bank of"), on_delete=models.PROTECT,
                            related_name="question_categories")
    org_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("category"), max_length=40)
    position = models.PositiveSmallIntegerField(_("order"), default=100)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="uniq_question_category")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.org.path
        super().save(*args, **kwargs)

    def audit_org_path(self):
        return self.org_path


class Question(AuditedModel, VersionedModel):
    """One question of an organisation's bank.

    `options`: the choices' texts in their canonical order (choice questions only). `answer`: for single choice a
    list with one option index, for multiple choice the sorted option indices, for true/false `[true]` or
    `[false]`, for fill-in one list of accepted answers per blank (`[["北京", "京"]]`). Papers keep a snapshot of
    the question as drawn, so editing or retiring a question never changes a score already given."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("bank of"), on_delete=models.PROTECT,
                            related_name="questions")
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices)
    stem = models.TextField(_("question"))
    stem_key = models.CharField(max_length=64, editable=False)  # normalised stem's hash: duplicates
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"))
    explanation = models.TextField(_("explanation"), blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="questions")
    source = models.CharField(_("source"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=QuestionStatus.choices,
                              default=QuestionStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["tier", "category__position", "id"]
        indexes = [
            models.Index(fields=["org", "status", "tier"], name="question_bank_idx"),
            models.Index(fields=["org_path"], name="question_path_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            # One live question per stem in a bank; a retired one may be entered again.
            models.UniqueConstraint(fields=["org", "stem_key"], condition=~Q(status="retired"),
                                    name="uniq_question_stem"),
        ]

    def __str__(self):
        return self.stem[:60]

    def audit_org_path(self):
        return self.org_path


class ExamSettings(AuditedModel, VersionedModel):
    """An organisation's exam settings for its subtree (nearest ancestor's row wins; the platform defaults
    otherwise, see rules.DEFAULTS)."""

    org = models.OneToOneField("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                               related_name="exam_settings")
    org_path = models.CharField(max_length=255, editable=False)
    set_size = models.PositiveSmallIntegerField(_("questions per tier in a monthly set"), default=150)
    paper_size = models.PositiveSmallIntegerField(_("questions per paper"), default=20)
    minutes = models.PositiveSmallIntegerField(_("time allowed (minutes)"), default=30)
    attempts_per_month = models.PositiveSmallIntegerField(
        _("attempts per tier and month"), default=0, help_text=_("0 means unlimited"))
    avoid_months = models.PositiveSmallIntegerField(
        _("avoid questions used in the last months"), default=3)
    pass_score = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=2, default=60)
    review_days = models.PositiveSmallIntegerField(
        _("draw the next month's sets this many days before it starts"), default=5,
        help_text=_("The drawn sets wait for review until the month begins; 0 draws and opens on the first day"))

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("exam settings")
        verbose_name_plural = _("exam settings")

    def __str__(self):
        return str(self.org)

    def audit_org_path(self):
        return self.org_path


class SetState(models.TextChoices):
    DRAFT = "draft", _("Under review")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MonthlySet(AuditedModel, VersionedModel):
    """The questions of one tier for one month of a bank. Drawn in advance, reviewed and edited while under
    review, open during its month (papers are drawn from it), closed afterwards."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("bank of"), on_delete=models.PROTECT,
                            related_name="exam_sets")
    org_path = models.CharField(max_length=255, editable=False)
    month = models.DateField(_("month"))  # first day
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    state = models.CharField(_("state"), max_length=10, choices=SetState.choices, default=SetState.DRAFT)
    questions = models.ManyToManyField(Question, through="SetQuestion", related_name="sets")
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("monthly set")
        verbose_name_plural = _("monthly sets")
        ordering = ["-month", "tier"]
        constraints = [models.UniqueConstraint(fields=["org", "month", "tier"], name="uniq_monthly_set")]
        indexes = [models.Index(fields=["month", "state"], name="set_month_idx")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.tier}"

    def audit_org_path(self):
        return self.org_path


class SetQuestion(models.Model):
    set = models.ForeignKey(MonthlySet, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="set_items")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["set", "question"], name="uniq_set_question")]

    def __str__(self):
        return f"{self.set_id}#{self.position}"


class AttemptState(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    TIMED_OUT = "timed_out", _("Time ran out")


class Attempt(models.Model):
    """One paper answered by one person. The clock is the server's: `deadline` is fixed at the start; answers
    after it are refused and the attempt is scored with what was saved. One open attempt per person."""

    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="exam_attempts")
    org_path = models.CharField(max_length=255, editable=False)  # where the person was when they started
    is_member = models.BooleanField(default=True, editable=False)  # a Party member then (群众 take part too)
    exam_set = models.ForeignKey(MonthlySet, verbose_name=_("set"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="attempts")
    final = models.ForeignKey("Final", verbose_name=_("final"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="attempts")
    month = models.DateField(_("month"))
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    state = models.CharField(_("state"), max_length=10, choices=AttemptState.choices, default=AttemptState.OPEN)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.PositiveIntegerField(_("time taken (seconds)"), null=True, blank=True)
    total = models.PositiveSmallIntegerField(_("questions"))
    correct = models.PositiveSmallIntegerField(_("correct answers"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state="open"), name="one_open_attempt"),
            models.CheckConstraint(condition=Q(exam_set__isnull=False) | Q(final__isnull=False),
                                   name="attempt_has_paper_source"),
        ]
        indexes = [
            models.Index(fields=["person", "month", "tier"], name="attempt_person_month_idx"),
            models.Index(fields=["month", "org_path"], name="attempt_month_path_idx",
                         opclasses=["date_ops", "varchar_pattern_ops"]),
            models.Index(fields=["state", "deadline"], name="attempt_open_idx", condition=Q(state="open")),
        ]

    def __str__(self):
        return f"{self.person_id} {self.month:%Y-%m} {self.tier}"

    @property
    def is_open(self):
        return self.state == AttemptState.OPEN


class AttemptItem(models.Model):
    """One question of a paper as drawn: a snapshot of the question with its options in the shuffled order shown
    (`options`), the key in that order (`key`, never sent before scoring) and the saved response."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    stem = models.TextField()
    options = models.JSONField(default=list)
    key = models.JSONField()
    explanation = models.TextField(blank=True)
    response = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="uniq_attempt_position")]

    def __str__(self):
        return f"{self.attempt_id}#{self.position}"


class MonthlyResult(models.Model):
    """A person's best attempt of a month in one tier (the score that counts), kept as attempts are scored.
    Ranking order: score, then the harder tier, then the shorter time, then the earlier finish."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="exam_results")
    month = models.DateField()
    tier = models.CharField(max_length=1, choices=Tier.choices)
    tier_rank = models.PositiveSmallIntegerField()
    org_path = models.CharField(max_length=255)
    is_member = models.BooleanField(default=True)
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    seconds = models.PositiveIntegerField()
    finished_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=1)

    scope_fields = ("org_path",)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "month", "tier"], name="uniq_monthly_result")]
        indexes = [models.Index(fields=["month", "org_path"], name="result_month_path_idx",
                                opclasses=["date_ops", "varchar_pattern_ops"])]

    def __str__(self):
        return f"{self.person_id} {self.month:%Y-%m} {self.tier} {self.score}"


class CompetitionState(models.TextChoices):
    OPEN = "open", _("Monthly rounds under way")
    FINAL = "final", _("Final scheduled")
    FINISHED = "finished", _("Finished")


class Competition(AuditedModel, VersionedModel):
    """我是冠军 for one month of a committee: branch champions are the best of each branch's monthly results,
    general-branch champions the best among their branch champions, and the committee final a live paper."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organised by"), on_delete=models.PROTECT,
                            related_name="competitions")
    org_path = models.CharField(max_length=255, editable=False)
    month = models.DateField(_("month"))
    title = models.CharField(_("title"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=CompetitionState.choices,
                             default=CompetitionState.OPEN)
    experts = models.PositiveSmallIntegerField(_("skill masters (技能达人) named"), default=10)
    technicians = models.PositiveSmallIntegerField(_("technicians (技术能手) named among non-members"), default=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        ordering = ["-month", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="uniq_competition_month")]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path


class FinalState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    FINISHED = "finished", _("Finished")


class Final(AuditedModel, VersionedModel):
    """The committee final: one fixed paper that all finalists answer at the same time."""

    competition = models.OneToOneField(Competition, on_delete=models.PROTECT, related_name="final")
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.A)
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(_("time allowed (minutes)"), default=20)
    questions = models.JSONField(default=list, editable=False)  # question ids in paper order
    state = models.CharField(_("state"), max_length=10, choices=FinalState.choices, default=FinalState.SCHEDULED)
    finalists = models.ManyToManyField("people.Person", related_name="finals", blank=True)

    scope_fields = ("competition__org_path",)

    class Meta:
        verbose_name = _("final")
        verbose_name_plural = _("finals")

    def __str__(self):
        return str(self.competition)

    def audit_org_path(self):
        return self.competition.org_path


class AwardTitle(models.TextChoices):
    CHAMPION = "champion", _("Monthly champion")
    FINAL_CHAMPION = "final_champion", _("Champion of the final")
    EXPERT = "expert", _("Skill master (技能达人)")
    TECHNICIAN = "technician", _("Technician (技术能手)")


class Award(AuditedModel):
    """A title won in a competition month: a champion of an organisation (branch, general branch, committee),
    a skill master, or a technician among the non-members who took part."""

    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="awards")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    month = models.DateField(_("month"))
    title = models.CharField(_("title"), max_length=20, choices=AwardTitle.choices)
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="exam_awards")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    seconds = models.PositiveIntegerField(_("time taken (seconds)"))

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["month", "title", "org_path"]
        constraints = [models.UniqueConstraint(fields=["competition", "org", "title", "person"],
                                               name="uniq_award")]

    def __str__(self):
        return f"{self.get_title_display()} {self.person_id}"

    def audit_org_path(self):
        return self.org_path
