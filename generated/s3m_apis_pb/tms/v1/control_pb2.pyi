import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IntrospectAuthTokenRequest(_message.Message):
    __slots__ = ("grpc_permissions",)
    GRPC_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    grpc_permissions: bool
    def __init__(self, grpc_permissions: _Optional[bool] = ...) -> None: ...

class IntrospectAuthTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: TokenDetailsIntrospective
    def __init__(self, token: _Optional[_Union[TokenDetailsIntrospective, _Mapping]] = ...) -> None: ...

class RevokeAuthTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevokeAuthTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TokenDetailsIntrospective(_message.Message):
    __slots__ = ("username", "project", "permissions", "planned_expiration", "security_enclave", "description", "one_time_token", "delayed_start", "delay_date", "owner_name", "grpc_permissions", "extensions")
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    PLANNED_EXPIRATION_FIELD_NUMBER: _ClassVar[int]
    SECURITY_ENCLAVE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DELAYED_START_FIELD_NUMBER: _ClassVar[int]
    DELAY_DATE_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    GRPC_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    username: str
    project: str
    permissions: _containers.RepeatedScalarFieldContainer[str]
    planned_expiration: _timestamp_pb2.Timestamp
    security_enclave: str
    description: str
    one_time_token: bool
    delayed_start: bool
    delay_date: _timestamp_pb2.Timestamp
    owner_name: str
    grpc_permissions: _containers.RepeatedCompositeFieldContainer[GRPCPermissions]
    extensions: int
    def __init__(self, username: _Optional[str] = ..., project: _Optional[str] = ..., permissions: _Optional[_Iterable[str]] = ..., planned_expiration: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., security_enclave: _Optional[str] = ..., description: _Optional[str] = ..., one_time_token: _Optional[bool] = ..., delayed_start: _Optional[bool] = ..., delay_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_name: _Optional[str] = ..., grpc_permissions: _Optional[_Iterable[_Union[GRPCPermissions, _Mapping]]] = ..., extensions: _Optional[int] = ...) -> None: ...

class GRPCPermissions(_message.Message):
    __slots__ = ("path", "permission")
    PATH_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    path: str
    permission: str
    def __init__(self, path: _Optional[str] = ..., permission: _Optional[str] = ...) -> None: ...
