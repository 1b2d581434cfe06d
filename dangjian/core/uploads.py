"""Uploaded files, one policy for the platform's photos and attachments (meetings, work records, learning items,
announcements): the stored name, the extension, the accepted types and the check that a "photo" is a picture.
Each caller keeps its own size limit and messages."""

PHOTO_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
ATTACHMENT_TYPES = {**PHOTO_TYPES, "pdf": "application/pdf", "txt": "text/plain",
                    "doc": "application/msword", "xls": "application/vnd.ms-excel",
                    "ppt": "application/vnd.ms-powerpoint",
                    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                    "wps": "application/vnd.ms-works", "ofd": "application/ofd"}
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG; WebP is RIFF….WEBP


def file_name(upload, limit=200):
    """The name an upload is stored under: the client's name without NULs, at most `limit` characters (its end)."""
    return (getattr(upload, "name", "") or "file").replace("\x00", "")[-limit:]


def extension(name):
    """The lower-case extension of `name` ("" without one)."""
    return name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""


def head(upload, n=12):
    """The first `n` bytes of the upload, leaving it at the start."""
    data = upload.read(n)
    upload.seek(0)
    return data


def is_picture(upload):
    """Does the upload's content start as a JPEG, PNG or WebP picture does?"""
    start = head(upload)
    return (start.startswith(b"RIFF") and start[8:12] == b"WEBP") or any(start.startswith(m) for m in IMAGE_MAGIC)
