import hashlib

from fastapi import Depends, Header, HTTPException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .db import get_session
from .models import Account


async def current_account(authorization: str = Header(...), session: AsyncSession = Depends(get_session)) -> Account:
    token = authorization.removeprefix("Bearer ").strip()
    digest = hashlib.sha256(token.encode()).hexdigest()
    account = (await session.execute(select(Account).where(Account.api_token_hash == digest))).scalar_one_or_none()
    if account is None:
        raise HTTPException(401, "invalid token")
    return account
