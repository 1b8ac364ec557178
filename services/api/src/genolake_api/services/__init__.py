"""The API's service layer: what routes call; the only code here that touches storage."""
