"""What routes declare: the request's state and principal, and the validated path parameters.

Routes take these `Annotated` aliases as parameters; each is checked before any lookup (identifiers by
their pattern, so values reach Mongo only as plain strings).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from genolake_core.accounts import Principal
from genolake_core.ids import SAMPLE_PATTERN, USER_PATTERN

from genolake_api.auth import current_principal
from genolake_api.state import AppState, get_state

StateDep = Annotated[AppState, Depends(get_state)]
CurrentUser = Annotated[Principal, Depends(current_principal)]

User = Annotated[str, Path(pattern=USER_PATTERN.pattern, max_length=63)]
Sample = Annotated[str, Path(pattern=SAMPLE_PATTERN.pattern, max_length=128)]
Asset = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# batch ids, and the ids of rejected uploads that reused one (`{batch_id}#{etag16}`); no control characters.
BatchIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:#@-]{0,200}$")]
RunIdPath = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
UserQuery = Annotated[str | None, Query(pattern=USER_PATTERN.pattern)]
FILTER_VALUE = r"^[A-Za-z0-9._;:/+() -]{1,100}$"
FilterValue = Annotated[str | None, Query(pattern=FILTER_VALUE)]
