"""Training data from the lead store, alone or combined with a CRM export.

The store keeps every lead as it was when it was first scored, so a lead that is in both
sources is trained on with the store's fields, never with the export's (which may have
been edited after scoring): point in time. Its outcome is the store's latest, or, while
the store has none, the export's. Leads only in the export are used as exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from features.errors import DataError
from features.spec import LeadSpec
from features.values import parse_text
from store import LeadStore, StoreTrainingSet
from store.engine import shown_url
from store.frame import training_frame


@dataclass(frozen=True)
class CombinedData:
    """The training frame and where its leads came from."""

    frame: pd.DataFrame
    store: StoreTrainingSet
    from_store: int  # leads with the store's fields (alone or also in the export)
    from_file: int  # leads only in the export
    in_both: int  # of ``from_store``, leads the export has too
    file_outcome: int  # of ``in_both``, leads whose outcome comes from the export
    with_file: bool = True

    @property
    def counts(self) -> dict[str, int]:
        return {
            "from_store": self.from_store,
            "from_file": self.from_file,
            "in_both": self.in_both,
            "in_both_with_file_outcome": self.file_outcome,
        }

    def lines(self, maturity_days: int) -> list[str]:
        """Progress lines: the store's leads by outcome, then what came from where."""
        s = self.store
        out = [
            f"lead store: {s.won} won, {s.lost} lost, {s.open} still open (first scored within "
            f"{maturity_days} days), {s.stale_open} open for longer"
        ]
        if s.stale_open:
            out.append(f"warning: {stale_warning(s.stale_open, maturity_days)}")
        if not self.with_file:
            return [*out, f"training leads: {self.from_store}, all from the lead store"]
        out.append(
            f"training leads: {self.from_store} from the lead store, {self.from_file} from the "
            f"file only; {self.in_both} in both are trained on as first scored "
            f"({self.file_outcome} of them with the file's outcome)"
        )
        return out


def stale_warning(stale_open: int, maturity_days: int) -> str:
    return (
        f"{stale_open} lead(s) in the lead store have had no outcome for more than "
        f"{maturity_days} days: reported, not used as losses"
    )


def read_store(
    url: str,
    spec: LeadSpec,
    *,
    maturity_days: int,
    include_open: bool = False,
    as_of: datetime | None = None,
) -> StoreTrainingSet:
    """The store's leads as first scored, with their latest outcome (see ``training_frame``)."""
    store = LeadStore(url)
    try:
        return training_frame(
            store, spec, as_of=as_of, maturity_days=maturity_days, include_open=include_open
        )
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        raise DataError(
            f"cannot read the lead store at {shown_url(url)} ({first}); "
            "is it migrated (leadgrade db upgrade)?"
        ) from exc
    finally:
        store.dispose()


def combine(
    stored: StoreTrainingSet, exported: pd.DataFrame | None, spec: LeadSpec
) -> CombinedData:
    """The store's leads (fields as first scored) and the export's leads the store lacks."""
    store = stored.frame
    if exported is None:
        labelled = store[store[spec.outcome.column].notna()].reset_index(drop=True)
        return CombinedData(labelled, stored, len(labelled), 0, 0, 0, with_file=False)
    spec.check_columns(exported.columns)
    store_ids, file_ids = _ids(store[spec.lead.id]), _ids(exported[spec.lead.id])
    in_both = store_ids.isin(set(file_ids.dropna())).to_numpy()
    needs_outcome = in_both & store[spec.outcome.column].isna().to_numpy()
    store = _take_outcomes(store, store_ids, needs_outcome, exported, file_ids, spec)
    keep = _closed(store[spec.outcome.column], spec)
    file_only = exported[~file_ids.isin(set(store_ids)).to_numpy()]
    parts = [part for part in (store[keep], file_only) if len(part)]
    frame = pd.concat(parts, ignore_index=True) if parts else store[keep]
    used_both = in_both & keep
    return CombinedData(
        frame=frame,
        store=stored,
        from_store=int(keep.sum()),
        from_file=len(file_only),
        in_both=int(used_both.sum()),
        file_outcome=int((needs_outcome & keep).sum()),
    )


def _take_outcomes(
    store: pd.DataFrame,
    store_ids: pd.Series,
    rows: np.ndarray,
    exported: pd.DataFrame,
    file_ids: pd.Series,
    spec: LeadSpec,
) -> pd.DataFrame:
    """The store's frame with the export's outcome columns copied into ``rows``."""
    if not rows.any():
        return store
    columns = [c for c in _outcome_columns(spec) if c in exported.columns]
    named = exported.assign(__id__=file_ids).dropna(subset=["__id__"])
    by_id = named.drop_duplicates("__id__").set_index("__id__")[columns]
    out = store.astype({c: object for c in columns if c in store.columns})
    out.loc[rows, columns] = by_id.loc[store_ids[rows].to_numpy()].to_numpy()
    return out


def _closed(outcomes: pd.Series, spec: LeadSpec) -> np.ndarray:
    """Whether each outcome is won or lost: an open lead in the export is still open."""
    closed = {*spec.outcome.won, *spec.outcome.lost}
    return np.asarray([parse_text(v) in closed for v in outcomes], dtype=bool)


def _outcome_columns(spec: LeadSpec) -> list[str]:
    dated = [spec.outcome.date] if spec.outcome.date else []
    return [spec.outcome.column, *dated, *spec.feedback_fields]


def _ids(values: pd.Series) -> pd.Series:
    """Lead ids as stripped text, so that 660737 and "660737 " match; missing ids are None."""
    return pd.Series([parse_text(v) for v in values], index=values.index, dtype=object)
