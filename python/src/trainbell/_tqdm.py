"""``trainbell.tqdm``: a tqdm bar that also reports its position to trainbell (as
``tqdm.contrib.telegram`` does for Telegram)."""

from __future__ import annotations

from typing import Any, Optional

from tqdm.auto import tqdm as _tqdm

from .client import Client


class tqdm(_tqdm):  # type: ignore[misc,valid-type]
    """``trainbell.tqdm(iterable, job="finetune", **tqdm_kwargs)``: the bar draws as usual; its position
    and total go to trainbell (coalesced to at most ten reports a second), and the job completes when the
    bar closes at its total. ``client=`` reuses a :class:`trainbell.Client`."""

    def __init__(self, *args: Any, job: Optional[str] = None, client: Optional[Client] = None,
                 title: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bell = client or Client(job, title=title or (kwargs.get("desc") or None), total=self.total)
        self._bell_completes = client is None
        self._bell.progress(self.n, self.total)

    def display(self, *args: Any, **kwargs: Any) -> Any:
        result = super().display(*args, **kwargs)
        self._report()
        return result

    def update(self, n: float = 1) -> Any:
        result = super().update(n)
        self._report()
        return result

    def _report(self) -> None:
        bell = self.__dict__.get("_bell")  # tqdm draws once inside its __init__, before _bell exists
        if bell is not None:
            bell.progress(self.n, self.total)

    def close(self) -> None:
        bell = getattr(self, "_bell", None)
        if bell is not None and not self.disable:
            bell.progress(self.n, self.total)
            if self._bell_completes and self.total and self.n >= self.total:
                bell.complete()
        super().close()
