"""The protocol: one typed, validated object holding the whole study definition."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from psotrial.errors import NotFoundError
from psotrial.protocol.crfs import FormSpec
from psotrial.protocol.criteria import Criterion
from psotrial.protocol.outcomes import Outcome, ProtocolSettings
from psotrial.protocol.study import Arm, Epoch, Identity, Site
from psotrial.protocol.visits import Visit

__all__ = ["Protocol"]


class Protocol(BaseModel):
    """A trial protocol as data (see ``src/psotrial/protocols/*.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identity: Identity
    sites: tuple[Site, ...] = Field(min_length=1)
    epochs: tuple[Epoch, ...] = Field(min_length=1)
    arms: tuple[Arm, ...] = Field(min_length=1)
    visits: tuple[Visit, ...] = Field(min_length=1)
    forms: tuple[FormSpec, ...] = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    outcomes: tuple[Outcome, ...] = Field(min_length=1)
    settings: ProtocolSettings = ProtocolSettings()

    @property
    def forms_by_code(self) -> dict[str, FormSpec]:
        """Forms keyed by code."""
        return {form.code: form for form in self.forms}

    def form(self, code: str) -> FormSpec:
        """The form with ``code``.

        Raises:
            NotFoundError: no such form (the message lists the forms).
        """
        for form in self.forms:
            if form.code == code:
                return form
        raise NotFoundError("form", code, (f.code for f in self.forms))

    def visit(self, code: str) -> Visit:
        """The visit with ``code``.

        Raises:
            NotFoundError: no such visit (the message lists the visits).
        """
        for visit in self.visits:
            if visit.code == code:
                return visit
        raise NotFoundError("visit", code, (v.code for v in self.visits))

    def arm(self, code: str | None = None) -> Arm:
        """The arm with ``code``; the only arm when ``code`` is None and there is one."""
        if code is None and len(self.arms) == 1:
            return self.arms[0]
        for arm in self.arms:
            if arm.code == code:
                return arm
        raise NotFoundError("arm", str(code), (a.code for a in self.arms))

    @property
    def screening_forms(self) -> tuple[FormSpec, ...]:
        """The forms due at the first visit (screening), in schedule order."""
        return tuple(self.form(code) for code in self.visits[0].forms)
