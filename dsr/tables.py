"""Every table of the service database on one metadata: Alembic's target and the schema check.

Each domain keeps its models in its own ``models.py``; this module only brings them together.
"""

from __future__ import annotations

from dsr import audit, documents
from dsr.answers import models as answers
from dsr.changes import models as changes
from dsr.contest import models as contest
from dsr.correspondence import models as correspondence
from dsr.db import Base
from dsr.mail import models as mail
from dsr.requests import models as requests
from dsr.security import models as security
from dsr.users import models as users
from dsr.verification import models as verification
from workflows import models as tasks

metadata = Base.metadata
MODULES = (answers, audit, changes, contest, correspondence, documents, mail, requests, security, tasks, users,
           verification)
"""The modules whose tables make up the schema."""
