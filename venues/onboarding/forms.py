"""The forms that publish and correct onboarding material."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from venues.models import ONBOARDING_LANGUAGES, Area, OnboardingItem, OnboardingMaterial
from venues.onboarding.files import MAX_FILE_BYTES, CheckedFile, FileRefused, check_upload
from venues.onboarding.material import IN_LANGUAGE
from venues.onboarding.services import MaterialInput, material_changes

ACCEPT = ",".join(
    (
        ".pdf",
        ".docx",
        ".pptx",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )
)


WHAT_CHANGED_LABELS: dict[str, Any] = {
    "fi": _("What changed, in Finnish"),
    "sv": _("What changed, in Swedish"),
    "en": _("What changed, in English"),
}
CORRECTION_LABELS: dict[str, Any] = {
    "fi": _("The correction in Finnish"),
    "sv": _("The correction in Swedish"),
    "en": _("The correction in English"),
}


def _text_fields(form: forms.Form, prefix: str, labels: dict[str, Any], help_text: Any) -> None:
    for code in ONBOARDING_LANGUAGES:
        form.fields[f"{prefix}_{code}"] = forms.CharField(
            label=labels[code],
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=help_text if code == ONBOARDING_LANGUAGES[0] else "",
        )


def _texts(data: dict, prefix: str) -> dict[str, str]:
    return {code: (data.get(f"{prefix}_{code}") or "").strip() for code in ONBOARDING_LANGUAGES}


class ItemForm(forms.Form):
    """An item: its kind, its "updated on" date, and per language a title with a
    file or a link. When an existing item's file or link changes, the publisher
    says what changed: staff who went through it are shown that note."""

    kind = forms.ChoiceField(label=_("Kind"))
    updated_on = forms.DateField(
        label=_("Updated on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date the material itself was last updated."),
    )

    def __init__(
        self,
        *args,
        area: Area | None,
        item: OnboardingItem | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.area = area
        self.item = item
        self.existing: dict[str, OnboardingMaterial] = (
            {m.language: m for m in item.materials.select_related("file").defer("file__content")}
            if item is not None
            else {}
        )
        labels = dict(OnboardingItem.Kind.choices)
        kind = self.fields["kind"]
        kind.choices = [(k, capfirst(labels[k])) for k in OnboardingItem.kinds_for(area)]
        if item is not None:
            # The kind stays what it was published as: a new kind is a new item.
            kind.initial = item.kind
            kind.disabled = True
            self.fields["updated_on"].initial = item.updated_on
        else:
            self.fields["updated_on"].initial = timezone.localdate()
        layout: list[Any] = ["kind", "updated_on"]
        for code in ONBOARDING_LANGUAGES:
            layout.append(Fieldset(IN_LANGUAGE[code], *self._language_fields(code)))
        if item is not None:
            _text_fields(
                self,
                "what_changed",
                WHAT_CHANGED_LABELS,
                _(
                    "Needed when a file or a link changes: everyone who went through the "
                    "item is asked to go through it again and shown this note."
                ),
            )
            layout.append(
                Fieldset(_("What changed"), *(f"what_changed_{c}" for c in ONBOARDING_LANGUAGES))
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has its token
        self.helper.layout = Layout(*layout)

    def _language_fields(self, code: str) -> list[str]:
        current = self.existing.get(code)
        self.fields[f"title_{code}"] = forms.CharField(
            label=_("Title"),
            required=False,
            max_length=200,
            initial=current.title if current else "",
        )
        help_text = _("PDF, DOCX or PPTX, at most 20 MB.")
        if current is not None and current.file is not None:
            help_text = _("Now: %(name)s. A new file replaces it.") % {"name": current.file.name}
        self.fields[f"file_{code}"] = forms.FileField(
            label=_("File"),
            required=False,
            help_text=help_text,
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        )
        self.fields[f"url_{code}"] = forms.URLField(
            label=_("Or a link"),
            required=False,
            max_length=500,
            initial=current.url if current else "",
            help_text=_("A web page or a file elsewhere, instead of a file here."),
        )
        names = [f"title_{code}", f"file_{code}", f"url_{code}"]
        if current is not None:
            self.fields[f"remove_{code}"] = forms.BooleanField(
                label=_("Remove this language's version"), required=False
            )
            names.append(f"remove_{code}")
        return names

    def clean(self) -> dict:
        data = super().clean()
        self.materials: dict[str, MaterialInput] = {
            code: self._material(data, code) for code in ONBOARDING_LANGUAGES
        }
        if not self.errors and all(m.is_empty for m in self.materials.values()):
            raise forms.ValidationError(
                _("Give the item a title and a file or a link in at least one language.")
            )
        self.changed_languages = material_changes(self.existing, self.materials)
        if (
            self.item is not None
            and self.changed_languages
            and not any(_texts(data, "what_changed").values())
        ):
            self.add_error(
                "what_changed_fi",
                _("Tell staff what changed: they are asked to go through the item again."),
            )
        return data

    def _material(self, data: dict, code: str) -> MaterialInput:
        current = self.existing.get(code)
        title = (data.get(f"title_{code}") or "").strip()
        upload = data.get(f"file_{code}")
        url = (data.get(f"url_{code}") or "").strip()
        if data.get(f"remove_{code}"):
            return MaterialInput(remove=True)
        checked = self._checked(upload, code) if upload else None
        if upload and url:
            self.add_error(f"url_{code}", _("Give a file or a link, not both."))
        if not (title or upload or url):
            if current is not None:
                self.add_error(
                    f"title_{code}",
                    _("Give the title, or tick the box to remove this language's version."),
                )
            return MaterialInput()
        if not title:
            self.add_error(f"title_{code}", _("Give the title in this language."))
        has_file = upload or (current is not None and current.file_id and not url)
        if not (has_file or url):
            self.add_error(f"file_{code}", _("Add a file or a link."))
        if upload and self._kind() == OnboardingItem.Kind.AREA_WEBSITE:
            self.add_error(f"file_{code}", _("A website is given as a link."))
        return MaterialInput(title=title, upload=checked, url=url)

    def _kind(self) -> str:
        return self.item.kind if self.item is not None else self.cleaned_data.get("kind", "")

    def _checked(self, upload: UploadedFile, code: str) -> CheckedFile | None:
        if upload.size > MAX_FILE_BYTES:
            self.add_error(f"file_{code}", FileRefused("too_large").message)
            return None
        try:
            return check_upload(b"".join(upload.chunks()), upload.name)
        except FileRefused as refused:
            self.add_error(f"file_{code}", refused.message)
            return None

    @property
    def what_changed(self) -> dict[str, str]:
        return _texts(self.cleaned_data, "what_changed")


class CorrectionForm(forms.Form):
    """A correction: a short notice shown with the item, in as many languages
    as the publisher has it (the first one given is shown to the others)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _text_fields(
            self,
            "text",
            CORRECTION_LABELS,
            _("Say briefly what the material says wrongly and what is right."),
        )

    def clean(self) -> dict:
        data = super().clean()
        if not any(_texts(data, "text").values()):
            self.add_error("text_fi", _("Write the correction in at least one language."))
        return data

    @property
    def texts(self) -> dict[str, str]:
        return _texts(self.cleaned_data, "text")
