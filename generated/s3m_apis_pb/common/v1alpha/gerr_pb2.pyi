from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GerrError(_message.Message):
    __slots__ = ("code", "child", "message", "private", "public_message", "public_fields", "private_fields")
    class PublicFieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class PrivateFieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    CHILD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELDS_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    code: int
    child: GerrErrorNode
    message: str
    private: bool
    public_message: str
    public_fields: _containers.ScalarMap[str, str]
    private_fields: _containers.ScalarMap[str, str]
    def __init__(self, code: _Optional[int] = ..., child: _Optional[_Union[GerrErrorNode, _Mapping]] = ..., message: _Optional[str] = ..., private: _Optional[bool] = ..., public_message: _Optional[str] = ..., public_fields: _Optional[_Mapping[str, str]] = ..., private_fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GerrGoError(_message.Message):
    __slots__ = ("error", "kind")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    error: str
    kind: str
    def __init__(self, error: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class GerrErrorNode(_message.Message):
    __slots__ = ("error", "go_error")
    ERROR_FIELD_NUMBER: _ClassVar[int]
    GO_ERROR_FIELD_NUMBER: _ClassVar[int]
    error: GerrError
    go_error: GerrGoError
    def __init__(self, error: _Optional[_Union[GerrError, _Mapping]] = ..., go_error: _Optional[_Union[GerrGoError, _Mapping]] = ...) -> None: ...

class GerrPrivateDataMarker(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
