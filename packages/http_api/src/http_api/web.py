"""Web pages (client booking page, manage page, provider calendar). Filled in by the web issue."""

from fastapi import APIRouter

router = APIRouter()
