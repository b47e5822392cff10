"""The feature protocol: what a feature (rules, auto-fill, automations...) may add to forms and to the write path.

A feature is one ``Feature`` value declared at the bottom of its own module, naming the functions it takes part in
with; it changes no other module. ``engine.features.FEATURES`` lists them in order, and ``Pipeline.build`` turns that
list into one frozen tuple per phase (``Runtime.open`` does it once). Within a phase, stages run in table order.

The phases of a record write, in the order ``engine.services.records`` runs them:

    access      may this actor do this action on this row?           (rt, conn, actor, form, action, row) -> None
    defaults    values a create starts from, beyond static defaults  (write) -> None
    effects     visibility, required, read-only, refused fields      (write) -> None
    --          hidden values dropped, schema validation, required, references
    assertions  submit validations that add ``write.errors``         (write) -> None       + batch twin (writes) -> None
    fill        computed and fetched values, before-save actions     (write) -> None
    --          serials, save + audit
    after_save  same transaction: bind, index, propagate, plan        (write) -> None       + batch twin (writes) -> None

and beside them, for definitions: ``compile`` (rt, conn, compiled form) -> the feature's artefact, kept in the
``CompiledForm`` attribute named by ``artefact``; ``check_publish`` / ``check_save`` (rt, conn, app row, definition,
definitions by key) -> list of ``ErrorItem``; and for reads ``read_filter`` / ``row_scope`` (see ``readgate``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from engine.definitions import CompiledForm

Stage = Callable[[Any], None]
BatchStage = Callable[[list], None]

#: the write phases a feature may take part in, in the order a write runs them
PHASES = ("access", "defaults", "effects", "assertions", "fill", "after_save")
#: phases whose stages may have a set-based twin for a batch of creates (``Feature.<phase>_batch``)
BATCH_PHASES = ("assertions", "after_save")


@dataclass(frozen=True)
class Feature:
    """One feature's part in forms and writes; every slot is optional."""

    name: str
    #: the ``CompiledForm`` attribute ``compile``'s result is kept in
    artefact: str | None = None
    compile: Callable[..., Any] | None = None
    check_publish: Callable[..., list] | None = None
    #: cheap checks that already refuse a draft save: things no later edit of this form alone could fix
    check_save: Callable[..., list] | None = None
    access: Callable[..., None] | None = None
    defaults: Stage | None = None
    effects: Stage | None = None
    assertions: Stage | None = None
    assertions_batch: BatchStage | None = None
    fill: Stage | None = None
    after_save: Stage | None = None
    after_save_batch: BatchStage | None = None
    #: (writes of a batch, checked, not saved) -> index of the first one needing an earlier one saved first, or None
    batch_dependency: Callable[[list], int | None] | None = None
    #: (rt, conn, actor, form) -> more field ids the actor may not read
    read_filter: Callable[..., Any] | None = None
    #: (rt, conn, actor, form) -> SQL clause on ``records`` limiting the rows the actor may read, or None
    row_scope: Callable[..., Any] | None = None


_ARTEFACTS = frozenset(f.name for f in dataclasses.fields(CompiledForm))


@dataclass(frozen=True)
class Pipeline:
    """The features' slots gathered per phase, in table order; built once, never changed."""

    features: tuple[Feature, ...] = ()
    compilers: tuple[Feature, ...] = ()
    publish_checks: tuple[Callable[..., list], ...] = ()
    save_checks: tuple[Callable[..., list], ...] = ()
    access: tuple[Callable[..., None], ...] = ()
    defaults: tuple[Stage, ...] = ()
    effects: tuple[Stage, ...] = ()
    assertions: tuple[Stage, ...] = ()
    fill: tuple[Stage, ...] = ()
    after_save: tuple[Stage, ...] = ()
    #: stage -> its set-based twin, for ``records.create_records``
    batch: Mapping[Stage, BatchStage] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    batch_dependencies: tuple[Callable[[list], int | None], ...] = ()
    read_filters: tuple[Callable[..., Any], ...] = ()
    row_scopes: tuple[Callable[..., Any], ...] = ()

    @classmethod
    def build(cls, features) -> "Pipeline":
        features = tuple(features)
        names = [f.name for f in features]
        if len(set(names)) != len(names):
            raise ValueError(f"a feature is listed twice: {names}")
        for f in features:
            if (f.compile is None) != (f.artefact is None):
                raise ValueError(f"feature {f.name!r}: compile and artefact go together")
            if f.artefact is not None and f.artefact not in _ARTEFACTS:
                raise ValueError(f"feature {f.name!r}: CompiledForm has no attribute {f.artefact!r}")
            for phase in BATCH_PHASES:
                if getattr(f, f"{phase}_batch") is not None and getattr(f, phase) is None:
                    raise ValueError(f"feature {f.name!r}: a batch twin of {phase} needs its single stage")

        def slots(name: str) -> tuple:
            return tuple(getattr(f, name) for f in features if getattr(f, name) is not None)

        batch = {getattr(f, phase): getattr(f, f"{phase}_batch") for f in features for phase in BATCH_PHASES
                 if getattr(f, f"{phase}_batch") is not None}
        return cls(features=features, compilers=tuple(f for f in features if f.compile is not None),
                   publish_checks=slots("check_publish"), save_checks=slots("check_save"),
                   **{phase: slots(phase) for phase in PHASES}, batch=MappingProxyType(batch),
                   batch_dependencies=slots("batch_dependency"), read_filters=slots("read_filter"), row_scopes=slots("row_scope"))

    def compile(self, rt, conn, form: CompiledForm) -> CompiledForm:
        """Each feature's artefact of ``form``, kept in its typed attribute."""
        for f in self.compilers:
            setattr(form, f.artefact, f.compile(rt, conn, form))
        form.features_compiled = True
        return form

    def table(self) -> dict[str, list[str]]:
        """Phase -> the ``module.function`` of each stage, in run order: the pipeline as text (docs, tests)."""
        def name(fn) -> str:
            return f"{fn.__module__}.{fn.__qualname__}"

        out = {phase: [name(s) for s in getattr(self, phase)] for phase in PHASES}
        out["compile"] = [f"{f.name} -> CompiledForm.{f.artefact}" for f in self.compilers]
        out["check_publish"] = [name(c) for c in self.publish_checks]
        out["check_save"] = [name(c) for c in self.save_checks]
        out["batch"] = [f"{name(s)} -> {name(b)}" for s, b in self.batch.items()]
        out["batch_dependencies"] = [name(d) for d in self.batch_dependencies]
        return out
