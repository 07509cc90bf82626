import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Resources(_message.Message):
    __slots__ = ("resources",)
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[Resource]
    def __init__(self, resources: _Optional[_Iterable[_Union[Resource, _Mapping]]] = ...) -> None: ...

class Resource(_message.Message):
    __slots__ = ("name", "description", "system_type", "security_enclave", "organization", "status", "annotations", "downtime_schedule_available", "upcoming_downtimes", "retrieved_at")
    class MachineStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNSPECIFIED: _ClassVar[Resource.MachineStatus]
        OPERATIONAL: _ClassVar[Resource.MachineStatus]
        UNAVAILABLE: _ClassVar[Resource.MachineStatus]
    UNSPECIFIED: Resource.MachineStatus
    OPERATIONAL: Resource.MachineStatus
    UNAVAILABLE: Resource.MachineStatus
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_TYPE_FIELD_NUMBER: _ClassVar[int]
    SECURITY_ENCLAVE_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    DOWNTIME_SCHEDULE_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    UPCOMING_DOWNTIMES_FIELD_NUMBER: _ClassVar[int]
    RETRIEVED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    system_type: str
    security_enclave: str
    organization: str
    status: Resource.MachineStatus
    annotations: _containers.ScalarMap[str, str]
    downtime_schedule_available: bool
    upcoming_downtimes: _containers.RepeatedCompositeFieldContainer[Downtime]
    retrieved_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., system_type: _Optional[str] = ..., security_enclave: _Optional[str] = ..., organization: _Optional[str] = ..., status: _Optional[_Union[Resource.MachineStatus, str]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., downtime_schedule_available: _Optional[bool] = ..., upcoming_downtimes: _Optional[_Iterable[_Union[Downtime, _Mapping]]] = ..., retrieved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetResourceRequest(_message.Message):
    __slots__ = ("resource_name",)
    RESOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    resource_name: str
    def __init__(self, resource_name: _Optional[str] = ...) -> None: ...

class Downtimes(_message.Message):
    __slots__ = ("downtimes",)
    DOWNTIMES_FIELD_NUMBER: _ClassVar[int]
    downtimes: _containers.RepeatedCompositeFieldContainer[Downtime]
    def __init__(self, downtimes: _Optional[_Iterable[_Union[Downtime, _Mapping]]] = ...) -> None: ...

class Downtime(_message.Message):
    __slots__ = ("resource_name", "status", "start", "end", "description", "attributes", "updated_at")
    class MachineStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNSPECIFIED: _ClassVar[Downtime.MachineStatus]
        UNAVAILABLE: _ClassVar[Downtime.MachineStatus]
    UNSPECIFIED: Downtime.MachineStatus
    UNAVAILABLE: Downtime.MachineStatus
    RESOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    resource_name: str
    status: Downtime.MachineStatus
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    description: str
    attributes: DowntimeAttributes
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, resource_name: _Optional[str] = ..., status: _Optional[_Union[Downtime.MachineStatus, str]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ..., attributes: _Optional[_Union[DowntimeAttributes, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DowntimeAttributes(_message.Message):
    __slots__ = ("scheduled", "reboot")
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    REBOOT_FIELD_NUMBER: _ClassVar[int]
    scheduled: bool
    reboot: bool
    def __init__(self, scheduled: _Optional[bool] = ..., reboot: _Optional[bool] = ...) -> None: ...
