import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.app import App


@pytest.fixture
def app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    return App(sessionmaker)
