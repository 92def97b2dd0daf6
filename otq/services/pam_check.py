"""Checking a user's own password with PAM, to unlock an idle-locked screen.

Uses the system's ``libpam`` through ctypes (no extra package). The password is handed
to PAM through its conversation callback and never stored, logged or put in a message.
The PAM service is ``otq`` when ``/etc/pam.d/otq`` exists (an administrator's choice),
else ``login``. For an ordinary user pam_unix checks their own password through its
setgid helper, so otq needs no privileges.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from ctypes import CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_int, c_void_p, cast, sizeof
from pathlib import Path

PAM_SUCCESS = 0
PAM_PROMPT_ECHO_OFF = 1
PAM_PROMPT_ECHO_ON = 2


class _Message(Structure):
    _fields_ = [("msg_style", c_int), ("msg", c_char_p)]


class _Response(Structure):
    _fields_ = [("resp", c_void_p), ("resp_retcode", c_int)]


_CONV_FUNC = CFUNCTYPE(c_int, c_int, POINTER(POINTER(_Message)), POINTER(POINTER(_Response)),
                       c_void_p)


class _Conv(Structure):
    _fields_ = [("conv", _CONV_FUNC), ("appdata_ptr", c_void_p)]


def _load() -> tuple[ctypes.CDLL, ctypes.CDLL] | None:
    name = ctypes.util.find_library("pam")
    libc_name = ctypes.util.find_library("c")
    if not name or not libc_name:
        return None
    try:
        pam, libc = ctypes.CDLL(name), ctypes.CDLL(libc_name)
    except OSError:
        return None
    pam.pam_start.argtypes = [c_char_p, c_char_p, POINTER(_Conv), POINTER(c_void_p)]
    pam.pam_authenticate.argtypes = [c_void_p, c_int]
    pam.pam_end.argtypes = [c_void_p, c_int]
    libc.calloc.restype = c_void_p
    libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
    libc.strdup.restype = c_void_p
    libc.strdup.argtypes = [c_char_p]
    return pam, libc


_LIBS = _load()


def pam_available() -> bool:
    """True when PAM can be asked to check a password on this system."""
    return _LIBS is not None and (Path("/etc/pam.d/otq").exists()
                                  or Path("/etc/pam.d/login").exists()
                                  or Path("/etc/pam.d/other").exists())


def _service() -> bytes:
    return b"otq" if Path("/etc/pam.d/otq").exists() else b"login"


def check_password(user: str, password: str) -> bool:
    """True when ``password`` is ``user``'s password according to PAM."""
    if _LIBS is None:
        return False
    pam, libc = _LIBS
    secret = password.encode("utf-8")

    @_CONV_FUNC
    def converse(n, messages, responses, _data):  # PAM frees what we calloc/strdup here
        block = libc.calloc(n, sizeof(_Response))
        if not block:
            return 5  # PAM_BUF_ERR
        replies = cast(block, POINTER(_Response))
        for i in range(n):
            if messages[i].contents.msg_style in (PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON):
                replies[i].resp = libc.strdup(secret)
                replies[i].resp_retcode = 0
        responses[0] = replies
        return PAM_SUCCESS

    handle = c_void_p()
    conv = _Conv(converse, None)
    rc = pam.pam_start(_service(), user.encode("utf-8"), byref(conv), byref(handle))
    if rc != PAM_SUCCESS:
        return False
    try:
        rc = pam.pam_authenticate(handle, 0)
    finally:
        pam.pam_end(handle, rc)
    return rc == PAM_SUCCESS
