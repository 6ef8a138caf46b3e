"""Import every model module so metadata is complete (Alembic, create_all)."""
from lms.core import audit, outbox  # noqa: F401
from lms.orgs import models as orgs_models  # noqa: F401
from lms.accounts import models as accounts_models  # noqa: F401
from lms.catalog import models as catalog_models  # noqa: F401
from lms.learning import models as learning_models  # noqa: F401
from lms.labs import models as labs_models  # noqa: F401
from lms.certificates import models as certificates_models  # noqa: F401
from lms.analytics import models as analytics_models  # noqa: F401
from lms.meisters import models as meisters_models  # noqa: F401
