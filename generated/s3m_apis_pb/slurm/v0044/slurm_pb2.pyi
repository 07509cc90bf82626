from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from s3m_apis_pb.common.v1alpha import headers_pb2 as _headers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorResp(_message.Message):
    __slots__ = ("error_number", "error", "source", "description")
    ERROR_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    error_number: int
    error: str
    source: str
    description: str
    def __init__(self, error_number: _Optional[int] = ..., error: _Optional[str] = ..., source: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class WarningResp(_message.Message):
    __slots__ = ("warning", "source", "description")
    WARNING_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    warning: str
    source: str
    description: str
    def __init__(self, warning: _Optional[str] = ..., source: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class Int32NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: int
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[int] = ...) -> None: ...

class Int64NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: int
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[int] = ...) -> None: ...

class Uint16NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: int
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[int] = ...) -> None: ...

class Uint32NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: int
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[int] = ...) -> None: ...

class Uint64NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: int
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[int] = ...) -> None: ...

class Float32NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: float
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[float] = ...) -> None: ...

class Float64NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: float
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[float] = ...) -> None: ...

class ExitCode(_message.Message):
    __slots__ = ("status", "return_code", "signal")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RETURN_CODE_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    status: _containers.RepeatedScalarFieldContainer[str]
    return_code: Uint32NoVal
    signal: Signal
    def __init__(self, status: _Optional[_Iterable[str]] = ..., return_code: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., signal: _Optional[_Union[Signal, _Mapping]] = ...) -> None: ...

class Signal(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: Uint32NoVal
    name: str
    def __init__(self, id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class ProcessSignalVerbose(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: Uint16NoVal
    name: str
    def __init__(self, id: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class ProcessExitCodeVerbose(_message.Message):
    __slots__ = ("status", "return_code", "signal")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RETURN_CODE_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    status: _containers.RepeatedScalarFieldContainer[str]
    return_code: Uint32NoVal
    signal: ProcessSignalVerbose
    def __init__(self, status: _Optional[_Iterable[str]] = ..., return_code: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., signal: _Optional[_Union[ProcessSignalVerbose, _Mapping]] = ...) -> None: ...

class MetaResp(_message.Message):
    __slots__ = ("plugin", "slurm", "client")
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    SLURM_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    plugin: MetaPluginResp
    slurm: MetaSlurmResp
    client: MetaClientResp
    def __init__(self, plugin: _Optional[_Union[MetaPluginResp, _Mapping]] = ..., slurm: _Optional[_Union[MetaSlurmResp, _Mapping]] = ..., client: _Optional[_Union[MetaClientResp, _Mapping]] = ...) -> None: ...

class MetaPluginResp(_message.Message):
    __slots__ = ("type", "name", "data_parser")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_PARSER_FIELD_NUMBER: _ClassVar[int]
    type: str
    name: str
    data_parser: str
    def __init__(self, type: _Optional[str] = ..., name: _Optional[str] = ..., data_parser: _Optional[str] = ...) -> None: ...

class MetaSlurmResp(_message.Message):
    __slots__ = ("version", "release")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    version: MetaSlurmVersionResp
    release: str
    def __init__(self, version: _Optional[_Union[MetaSlurmVersionResp, _Mapping]] = ..., release: _Optional[str] = ...) -> None: ...

class MetaSlurmVersionResp(_message.Message):
    __slots__ = ("major", "minor", "micro")
    MAJOR_FIELD_NUMBER: _ClassVar[int]
    MINOR_FIELD_NUMBER: _ClassVar[int]
    MICRO_FIELD_NUMBER: _ClassVar[int]
    major: str
    minor: str
    micro: str
    def __init__(self, major: _Optional[str] = ..., minor: _Optional[str] = ..., micro: _Optional[str] = ...) -> None: ...

class MetaClientResp(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: str
    def __init__(self, source: _Optional[str] = ...) -> None: ...

class DiagResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "statistics")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    statistics: DiagStatistics
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., statistics: _Optional[_Union[DiagStatistics, _Mapping]] = ...) -> None: ...

class DiagStatistics(_message.Message):
    __slots__ = ("parts_packed", "req_time", "req_time_start", "server_thread_count", "agent_queue_size", "agent_count", "agent_thread_count", "dbd_agent_queue_size", "gettimeofday_latency", "schedule_cycle_max", "schedule_cycle_last", "schedule_cycle_total", "schedule_cycle_mean", "schedule_cycle_mean_depth", "schedule_cycle_per_minute", "schedule_exit", "schedule_queue_length", "jobs_submitted", "jobs_started", "jobs_completed", "jobs_canceled", "jobs_failed", "jobs_pending", "jobs_running", "job_states_ts", "bf_backfilled_jobs", "bf_last_backfilled_jobs", "bf_backfilled_het_jobs", "bf_cycle_counter", "bf_cycle_mean", "bf_depth_mean", "bf_depth_mean_try", "bf_cycle_sum", "bf_cycle_last", "bf_last_depth", "bf_last_depth_try", "bf_depth_sum", "bf_depth_try_sum", "bf_queue_len", "bf_queue_len_mean", "bf_queue_len_sum", "bf_table_size", "bf_table_size_mean", "bf_when_last_cycle", "bf_active", "schedule_cycle_sum", "schedule_cycle_depth", "bf_table_size_sum", "rpcs_by_message_type", "rpcs_by_user", "bf_exit")
    PARTS_PACKED_FIELD_NUMBER: _ClassVar[int]
    REQ_TIME_FIELD_NUMBER: _ClassVar[int]
    REQ_TIME_START_FIELD_NUMBER: _ClassVar[int]
    SERVER_THREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    AGENT_QUEUE_SIZE_FIELD_NUMBER: _ClassVar[int]
    AGENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    AGENT_THREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    DBD_AGENT_QUEUE_SIZE_FIELD_NUMBER: _ClassVar[int]
    GETTIMEOFDAY_LATENCY_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_MAX_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_LAST_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_MEAN_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_MEAN_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_EXIT_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    JOBS_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    JOBS_STARTED_FIELD_NUMBER: _ClassVar[int]
    JOBS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    JOBS_CANCELED_FIELD_NUMBER: _ClassVar[int]
    JOBS_FAILED_FIELD_NUMBER: _ClassVar[int]
    JOBS_PENDING_FIELD_NUMBER: _ClassVar[int]
    JOBS_RUNNING_FIELD_NUMBER: _ClassVar[int]
    JOB_STATES_TS_FIELD_NUMBER: _ClassVar[int]
    BF_BACKFILLED_JOBS_FIELD_NUMBER: _ClassVar[int]
    BF_LAST_BACKFILLED_JOBS_FIELD_NUMBER: _ClassVar[int]
    BF_BACKFILLED_HET_JOBS_FIELD_NUMBER: _ClassVar[int]
    BF_CYCLE_COUNTER_FIELD_NUMBER: _ClassVar[int]
    BF_CYCLE_MEAN_FIELD_NUMBER: _ClassVar[int]
    BF_DEPTH_MEAN_FIELD_NUMBER: _ClassVar[int]
    BF_DEPTH_MEAN_TRY_FIELD_NUMBER: _ClassVar[int]
    BF_CYCLE_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_CYCLE_LAST_FIELD_NUMBER: _ClassVar[int]
    BF_LAST_DEPTH_FIELD_NUMBER: _ClassVar[int]
    BF_LAST_DEPTH_TRY_FIELD_NUMBER: _ClassVar[int]
    BF_DEPTH_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_DEPTH_TRY_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_QUEUE_LEN_FIELD_NUMBER: _ClassVar[int]
    BF_QUEUE_LEN_MEAN_FIELD_NUMBER: _ClassVar[int]
    BF_QUEUE_LEN_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_TABLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    BF_TABLE_SIZE_MEAN_FIELD_NUMBER: _ClassVar[int]
    BF_WHEN_LAST_CYCLE_FIELD_NUMBER: _ClassVar[int]
    BF_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_SUM_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    BF_TABLE_SIZE_SUM_FIELD_NUMBER: _ClassVar[int]
    RPCS_BY_MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RPCS_BY_USER_FIELD_NUMBER: _ClassVar[int]
    BF_EXIT_FIELD_NUMBER: _ClassVar[int]
    parts_packed: int
    req_time: Uint64NoVal
    req_time_start: Uint64NoVal
    server_thread_count: int
    agent_queue_size: int
    agent_count: int
    agent_thread_count: int
    dbd_agent_queue_size: int
    gettimeofday_latency: int
    schedule_cycle_max: int
    schedule_cycle_last: int
    schedule_cycle_total: int
    schedule_cycle_mean: int
    schedule_cycle_mean_depth: int
    schedule_cycle_per_minute: int
    schedule_exit: DiagScheduleExit
    schedule_queue_length: int
    jobs_submitted: int
    jobs_started: int
    jobs_completed: int
    jobs_canceled: int
    jobs_failed: int
    jobs_pending: int
    jobs_running: int
    job_states_ts: Uint64NoVal
    bf_backfilled_jobs: int
    bf_last_backfilled_jobs: int
    bf_backfilled_het_jobs: int
    bf_cycle_counter: int
    bf_cycle_mean: int
    bf_depth_mean: int
    bf_depth_mean_try: int
    bf_cycle_sum: int
    bf_cycle_last: int
    bf_last_depth: int
    bf_last_depth_try: int
    bf_depth_sum: int
    bf_depth_try_sum: int
    bf_queue_len: int
    bf_queue_len_mean: int
    bf_queue_len_sum: int
    bf_table_size: int
    bf_table_size_mean: int
    bf_when_last_cycle: Uint64NoVal
    bf_active: bool
    schedule_cycle_sum: int
    schedule_cycle_depth: int
    bf_table_size_sum: int
    rpcs_by_message_type: _containers.RepeatedCompositeFieldContainer[DiagRPCSMessage]
    rpcs_by_user: _containers.RepeatedCompositeFieldContainer[DiagRPCSUser]
    bf_exit: DiagBFExit
    def __init__(self, parts_packed: _Optional[int] = ..., req_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., req_time_start: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., server_thread_count: _Optional[int] = ..., agent_queue_size: _Optional[int] = ..., agent_count: _Optional[int] = ..., agent_thread_count: _Optional[int] = ..., dbd_agent_queue_size: _Optional[int] = ..., gettimeofday_latency: _Optional[int] = ..., schedule_cycle_max: _Optional[int] = ..., schedule_cycle_last: _Optional[int] = ..., schedule_cycle_total: _Optional[int] = ..., schedule_cycle_mean: _Optional[int] = ..., schedule_cycle_mean_depth: _Optional[int] = ..., schedule_cycle_per_minute: _Optional[int] = ..., schedule_exit: _Optional[_Union[DiagScheduleExit, _Mapping]] = ..., schedule_queue_length: _Optional[int] = ..., jobs_submitted: _Optional[int] = ..., jobs_started: _Optional[int] = ..., jobs_completed: _Optional[int] = ..., jobs_canceled: _Optional[int] = ..., jobs_failed: _Optional[int] = ..., jobs_pending: _Optional[int] = ..., jobs_running: _Optional[int] = ..., job_states_ts: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., bf_backfilled_jobs: _Optional[int] = ..., bf_last_backfilled_jobs: _Optional[int] = ..., bf_backfilled_het_jobs: _Optional[int] = ..., bf_cycle_counter: _Optional[int] = ..., bf_cycle_mean: _Optional[int] = ..., bf_depth_mean: _Optional[int] = ..., bf_depth_mean_try: _Optional[int] = ..., bf_cycle_sum: _Optional[int] = ..., bf_cycle_last: _Optional[int] = ..., bf_last_depth: _Optional[int] = ..., bf_last_depth_try: _Optional[int] = ..., bf_depth_sum: _Optional[int] = ..., bf_depth_try_sum: _Optional[int] = ..., bf_queue_len: _Optional[int] = ..., bf_queue_len_mean: _Optional[int] = ..., bf_queue_len_sum: _Optional[int] = ..., bf_table_size: _Optional[int] = ..., bf_table_size_mean: _Optional[int] = ..., bf_when_last_cycle: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., bf_active: _Optional[bool] = ..., schedule_cycle_sum: _Optional[int] = ..., schedule_cycle_depth: _Optional[int] = ..., bf_table_size_sum: _Optional[int] = ..., rpcs_by_message_type: _Optional[_Iterable[_Union[DiagRPCSMessage, _Mapping]]] = ..., rpcs_by_user: _Optional[_Iterable[_Union[DiagRPCSUser, _Mapping]]] = ..., bf_exit: _Optional[_Union[DiagBFExit, _Mapping]] = ...) -> None: ...

class DiagRPCSMessage(_message.Message):
    __slots__ = ("message_type", "type_id", "count", "average_time", "total_time", "dropped", "cycle_max", "cycle_last", "queued")
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TIME_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    CYCLE_MAX_FIELD_NUMBER: _ClassVar[int]
    CYCLE_LAST_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    message_type: str
    type_id: int
    count: int
    average_time: Uint64NoVal
    total_time: int
    dropped: int
    cycle_max: int
    cycle_last: int
    queued: int
    def __init__(self, message_type: _Optional[str] = ..., type_id: _Optional[int] = ..., count: _Optional[int] = ..., average_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., total_time: _Optional[int] = ..., dropped: _Optional[int] = ..., cycle_max: _Optional[int] = ..., cycle_last: _Optional[int] = ..., queued: _Optional[int] = ...) -> None: ...

class DiagRPCSUser(_message.Message):
    __slots__ = ("user_id", "user", "count", "total_time", "average_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TIME_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: int
    user: str
    count: int
    total_time: int
    average_time: Uint64NoVal
    def __init__(self, user_id: _Optional[int] = ..., user: _Optional[str] = ..., count: _Optional[int] = ..., total_time: _Optional[int] = ..., average_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...

class DiagScheduleExit(_message.Message):
    __slots__ = ("end_job_queue", "default_queue_depth", "max_job_start", "max_rpc_cnt", "max_sched_time", "licenses")
    END_JOB_QUEUE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_JOB_START_FIELD_NUMBER: _ClassVar[int]
    MAX_RPC_CNT_FIELD_NUMBER: _ClassVar[int]
    MAX_SCHED_TIME_FIELD_NUMBER: _ClassVar[int]
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    end_job_queue: int
    default_queue_depth: int
    max_job_start: int
    max_rpc_cnt: int
    max_sched_time: int
    licenses: int
    def __init__(self, end_job_queue: _Optional[int] = ..., default_queue_depth: _Optional[int] = ..., max_job_start: _Optional[int] = ..., max_rpc_cnt: _Optional[int] = ..., max_sched_time: _Optional[int] = ..., licenses: _Optional[int] = ...) -> None: ...

class DiagBFExit(_message.Message):
    __slots__ = ("end_job_queue", "bf_max_job_start", "bf_max_job_test", "bf_max_time", "bf_node_space_size", "state_changed")
    END_JOB_QUEUE_FIELD_NUMBER: _ClassVar[int]
    BF_MAX_JOB_START_FIELD_NUMBER: _ClassVar[int]
    BF_MAX_JOB_TEST_FIELD_NUMBER: _ClassVar[int]
    BF_MAX_TIME_FIELD_NUMBER: _ClassVar[int]
    BF_NODE_SPACE_SIZE_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    end_job_queue: int
    bf_max_job_start: int
    bf_max_job_test: int
    bf_max_time: int
    bf_node_space_size: int
    state_changed: int
    def __init__(self, end_job_queue: _Optional[int] = ..., bf_max_job_start: _Optional[int] = ..., bf_max_job_test: _Optional[int] = ..., bf_max_time: _Optional[int] = ..., bf_node_space_size: _Optional[int] = ..., state_changed: _Optional[int] = ...) -> None: ...

class JobsResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "jobs", "last_backfill", "last_update")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    LAST_BACKFILL_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    jobs: _containers.RepeatedCompositeFieldContainer[SlurmJobDescription]
    last_backfill: Uint64NoVal
    last_update: Uint64NoVal
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., jobs: _Optional[_Iterable[_Union[SlurmJobDescription, _Mapping]]] = ..., last_backfill: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...

class SlurmJobDescription(_message.Message):
    __slots__ = ("account", "accrue_time", "admin_comment", "allocating_node", "array_job_id", "array_task_id", "array_max_tasks", "array_task_string", "association_id", "batch_features", "batch_flag", "batch_host", "flags", "burst_buffer", "burst_buffer_state", "cluster", "cluster_features", "command", "comment", "container", "container_id", "contiguous", "core_spec", "thread_spec", "cores_per_socket", "billable_tres", "cpus_per_task", "cpu_frequency_minimum", "cpu_frequency_maximum", "cpu_frequency_governor", "cpus_per_tres", "cron", "deadline", "delay_boot", "dependency", "derived_exit_code", "eligible_time", "end_time", "excluded_nodes", "exit_code", "extra", "failed_node", "features", "federation_origin", "federation_siblings_active", "federation_siblings_viable", "gres_detail", "group_id", "group_name", "het_job_id", "het_job_id_set", "het_job_offset", "job_id", "job_resources", "job_size_str", "job_state", "last_sched_evaluation", "licenses", "mail_type", "mail_user", "max_cpus", "max_nodes", "mcs_label", "memory_per_tres", "name", "network", "nodes", "nice", "tasks_per_core", "tasks_per_tres", "tasks_per_node", "tasks_per_socket", "tasks_per_board", "cpus", "node_count", "tasks", "partition", "prefer", "memory_per_cpu", "memory_per_node", "minimum_cpus_per_node", "minimum_tmp_disk_per_node", "preempt_time", "preemptable_time", "pre_sus_time", "hold", "priority", "profile", "qos", "reboot", "required_nodes", "required_switches", "requeue", "resize_time", "restart_cnt", "resv_name", "scheduled_nodes", "selinux_context", "shared", "sockets_per_board", "sockets_per_node", "start_time", "state_description", "state_reason", "standard_error", "standard_input", "standard_output", "submit_time", "suspend_time", "system_comment", "time_limit", "time_minimum", "threads_per_core", "tres_bind", "tres_per_job", "tres_per_node", "tres_per_socket", "tres_per_task", "tres_req_str", "tres_alloc_str", "user_id", "user_name", "maximum_switch_wait_time", "wckey", "current_working_directory")
    class Resources(_message.Message):
        __slots__ = ("select_type", "cpus", "threads_per_core", "nodes")
        class Nodes(_message.Message):
            __slots__ = ("count", "list", "whole", "select_type")
            COUNT_FIELD_NUMBER: _ClassVar[int]
            LIST_FIELD_NUMBER: _ClassVar[int]
            WHOLE_FIELD_NUMBER: _ClassVar[int]
            SELECT_TYPE_FIELD_NUMBER: _ClassVar[int]
            count: int
            list: str
            whole: bool
            select_type: _containers.RepeatedScalarFieldContainer[str]
            def __init__(self, count: _Optional[int] = ..., list: _Optional[str] = ..., whole: _Optional[bool] = ..., select_type: _Optional[_Iterable[str]] = ...) -> None: ...
        SELECT_TYPE_FIELD_NUMBER: _ClassVar[int]
        CPUS_FIELD_NUMBER: _ClassVar[int]
        THREADS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
        NODES_FIELD_NUMBER: _ClassVar[int]
        select_type: _containers.RepeatedScalarFieldContainer[str]
        cpus: int
        threads_per_core: Uint32NoVal
        nodes: SlurmJobDescription.Resources.Nodes
        def __init__(self, select_type: _Optional[_Iterable[str]] = ..., cpus: _Optional[int] = ..., threads_per_core: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., nodes: _Optional[_Union[SlurmJobDescription.Resources.Nodes, _Mapping]] = ...) -> None: ...
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCRUE_TIME_FIELD_NUMBER: _ClassVar[int]
    ADMIN_COMMENT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATING_NODE_FIELD_NUMBER: _ClassVar[int]
    ARRAY_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ARRAY_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ARRAY_MAX_TASKS_FIELD_NUMBER: _ClassVar[int]
    ARRAY_TASK_STRING_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FEATURES_FIELD_NUMBER: _ClassVar[int]
    BATCH_FLAG_FIELD_NUMBER: _ClassVar[int]
    BATCH_HOST_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    BURST_BUFFER_FIELD_NUMBER: _ClassVar[int]
    BURST_BUFFER_STATE_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FEATURES_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_ID_FIELD_NUMBER: _ClassVar[int]
    CONTIGUOUS_FIELD_NUMBER: _ClassVar[int]
    CORE_SPEC_FIELD_NUMBER: _ClassVar[int]
    THREAD_SPEC_FIELD_NUMBER: _ClassVar[int]
    CORES_PER_SOCKET_FIELD_NUMBER: _ClassVar[int]
    BILLABLE_TRES_FIELD_NUMBER: _ClassVar[int]
    CPUS_PER_TASK_FIELD_NUMBER: _ClassVar[int]
    CPU_FREQUENCY_MINIMUM_FIELD_NUMBER: _ClassVar[int]
    CPU_FREQUENCY_MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    CPU_FREQUENCY_GOVERNOR_FIELD_NUMBER: _ClassVar[int]
    CPUS_PER_TRES_FIELD_NUMBER: _ClassVar[int]
    CRON_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DELAY_BOOT_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCY_FIELD_NUMBER: _ClassVar[int]
    DERIVED_EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_NODES_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    FAILED_NODE_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEDERATION_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    FEDERATION_SIBLINGS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    FEDERATION_SIBLINGS_VIABLE_FIELD_NUMBER: _ClassVar[int]
    GRES_DETAIL_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    HET_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    HET_JOB_ID_SET_FIELD_NUMBER: _ClassVar[int]
    HET_JOB_OFFSET_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    JOB_SIZE_STR_FIELD_NUMBER: _ClassVar[int]
    JOB_STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_SCHED_EVALUATION_FIELD_NUMBER: _ClassVar[int]
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    MAIL_TYPE_FIELD_NUMBER: _ClassVar[int]
    MAIL_USER_FIELD_NUMBER: _ClassVar[int]
    MAX_CPUS_FIELD_NUMBER: _ClassVar[int]
    MAX_NODES_FIELD_NUMBER: _ClassVar[int]
    MCS_LABEL_FIELD_NUMBER: _ClassVar[int]
    MEMORY_PER_TRES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    NICE_FIELD_NUMBER: _ClassVar[int]
    TASKS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
    TASKS_PER_TRES_FIELD_NUMBER: _ClassVar[int]
    TASKS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    TASKS_PER_SOCKET_FIELD_NUMBER: _ClassVar[int]
    TASKS_PER_BOARD_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    PREFER_FIELD_NUMBER: _ClassVar[int]
    MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
    MEMORY_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_CPUS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_TMP_DISK_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    PREEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    PREEMPTABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRE_SUS_TIME_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    QOS_FIELD_NUMBER: _ClassVar[int]
    REBOOT_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_NODES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SWITCHES_FIELD_NUMBER: _ClassVar[int]
    REQUEUE_FIELD_NUMBER: _ClassVar[int]
    RESIZE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESTART_CNT_FIELD_NUMBER: _ClassVar[int]
    RESV_NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_NODES_FIELD_NUMBER: _ClassVar[int]
    SELINUX_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SHARED_FIELD_NUMBER: _ClassVar[int]
    SOCKETS_PER_BOARD_FIELD_NUMBER: _ClassVar[int]
    SOCKETS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
    STANDARD_INPUT_FIELD_NUMBER: _ClassVar[int]
    STANDARD_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_TIME_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_COMMENT_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIME_MINIMUM_FIELD_NUMBER: _ClassVar[int]
    THREADS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
    TRES_BIND_FIELD_NUMBER: _ClassVar[int]
    TRES_PER_JOB_FIELD_NUMBER: _ClassVar[int]
    TRES_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    TRES_PER_SOCKET_FIELD_NUMBER: _ClassVar[int]
    TRES_PER_TASK_FIELD_NUMBER: _ClassVar[int]
    TRES_REQ_STR_FIELD_NUMBER: _ClassVar[int]
    TRES_ALLOC_STR_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_SWITCH_WAIT_TIME_FIELD_NUMBER: _ClassVar[int]
    WCKEY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_WORKING_DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    account: str
    accrue_time: Uint64NoVal
    admin_comment: str
    allocating_node: str
    array_job_id: Uint32NoVal
    array_task_id: Uint32NoVal
    array_max_tasks: Uint32NoVal
    array_task_string: str
    association_id: int
    batch_features: str
    batch_flag: bool
    batch_host: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    burst_buffer: str
    burst_buffer_state: str
    cluster: str
    cluster_features: str
    command: str
    comment: str
    container: str
    container_id: str
    contiguous: bool
    core_spec: int
    thread_spec: int
    cores_per_socket: Uint32NoVal
    billable_tres: Float64NoVal
    cpus_per_task: Uint32NoVal
    cpu_frequency_minimum: Uint32NoVal
    cpu_frequency_maximum: Uint32NoVal
    cpu_frequency_governor: Uint32NoVal
    cpus_per_tres: str
    cron: str
    deadline: Uint64NoVal
    delay_boot: Uint32NoVal
    dependency: str
    derived_exit_code: ExitCode
    eligible_time: Uint64NoVal
    end_time: Uint64NoVal
    excluded_nodes: str
    exit_code: ExitCode
    extra: str
    failed_node: str
    features: str
    federation_origin: str
    federation_siblings_active: str
    federation_siblings_viable: str
    gres_detail: _containers.RepeatedScalarFieldContainer[str]
    group_id: int
    group_name: str
    het_job_id: Uint32NoVal
    het_job_id_set: str
    het_job_offset: Uint32NoVal
    job_id: int
    job_resources: SlurmJobDescription.Resources
    job_size_str: _containers.RepeatedScalarFieldContainer[str]
    job_state: _containers.RepeatedScalarFieldContainer[str]
    last_sched_evaluation: Uint64NoVal
    licenses: str
    mail_type: _containers.RepeatedScalarFieldContainer[str]
    mail_user: str
    max_cpus: Uint32NoVal
    max_nodes: Uint32NoVal
    mcs_label: str
    memory_per_tres: str
    name: str
    network: str
    nodes: str
    nice: int
    tasks_per_core: Uint32NoVal
    tasks_per_tres: Uint32NoVal
    tasks_per_node: Uint32NoVal
    tasks_per_socket: Uint32NoVal
    tasks_per_board: Uint32NoVal
    cpus: Uint32NoVal
    node_count: Uint32NoVal
    tasks: Uint32NoVal
    partition: str
    prefer: str
    memory_per_cpu: Uint64NoVal
    memory_per_node: Uint64NoVal
    minimum_cpus_per_node: Uint32NoVal
    minimum_tmp_disk_per_node: Uint32NoVal
    preempt_time: Uint64NoVal
    preemptable_time: Uint64NoVal
    pre_sus_time: Uint64NoVal
    hold: bool
    priority: Uint32NoVal
    profile: _containers.RepeatedScalarFieldContainer[str]
    qos: str
    reboot: bool
    required_nodes: str
    required_switches: int
    requeue: bool
    resize_time: Uint64NoVal
    restart_cnt: int
    resv_name: str
    scheduled_nodes: str
    selinux_context: str
    shared: _containers.RepeatedScalarFieldContainer[str]
    sockets_per_board: int
    sockets_per_node: Uint32NoVal
    start_time: Uint64NoVal
    state_description: str
    state_reason: str
    standard_error: str
    standard_input: str
    standard_output: str
    submit_time: Uint64NoVal
    suspend_time: Uint64NoVal
    system_comment: str
    time_limit: Uint32NoVal
    time_minimum: Uint32NoVal
    threads_per_core: Uint32NoVal
    tres_bind: str
    tres_per_job: str
    tres_per_node: str
    tres_per_socket: str
    tres_per_task: str
    tres_req_str: str
    tres_alloc_str: str
    user_id: int
    user_name: str
    maximum_switch_wait_time: int
    wckey: str
    current_working_directory: str
    def __init__(self, account: _Optional[str] = ..., accrue_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., admin_comment: _Optional[str] = ..., allocating_node: _Optional[str] = ..., array_job_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., array_task_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., array_max_tasks: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., array_task_string: _Optional[str] = ..., association_id: _Optional[int] = ..., batch_features: _Optional[str] = ..., batch_flag: _Optional[bool] = ..., batch_host: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., burst_buffer: _Optional[str] = ..., burst_buffer_state: _Optional[str] = ..., cluster: _Optional[str] = ..., cluster_features: _Optional[str] = ..., command: _Optional[str] = ..., comment: _Optional[str] = ..., container: _Optional[str] = ..., container_id: _Optional[str] = ..., contiguous: _Optional[bool] = ..., core_spec: _Optional[int] = ..., thread_spec: _Optional[int] = ..., cores_per_socket: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., billable_tres: _Optional[_Union[Float64NoVal, _Mapping]] = ..., cpus_per_task: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpu_frequency_minimum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpu_frequency_maximum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpu_frequency_governor: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpus_per_tres: _Optional[str] = ..., cron: _Optional[str] = ..., deadline: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., delay_boot: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., dependency: _Optional[str] = ..., derived_exit_code: _Optional[_Union[ExitCode, _Mapping]] = ..., eligible_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., end_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., excluded_nodes: _Optional[str] = ..., exit_code: _Optional[_Union[ExitCode, _Mapping]] = ..., extra: _Optional[str] = ..., failed_node: _Optional[str] = ..., features: _Optional[str] = ..., federation_origin: _Optional[str] = ..., federation_siblings_active: _Optional[str] = ..., federation_siblings_viable: _Optional[str] = ..., gres_detail: _Optional[_Iterable[str]] = ..., group_id: _Optional[int] = ..., group_name: _Optional[str] = ..., het_job_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., het_job_id_set: _Optional[str] = ..., het_job_offset: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., job_id: _Optional[int] = ..., job_resources: _Optional[_Union[SlurmJobDescription.Resources, _Mapping]] = ..., job_size_str: _Optional[_Iterable[str]] = ..., job_state: _Optional[_Iterable[str]] = ..., last_sched_evaluation: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., licenses: _Optional[str] = ..., mail_type: _Optional[_Iterable[str]] = ..., mail_user: _Optional[str] = ..., max_cpus: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., max_nodes: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., mcs_label: _Optional[str] = ..., memory_per_tres: _Optional[str] = ..., name: _Optional[str] = ..., network: _Optional[str] = ..., nodes: _Optional[str] = ..., nice: _Optional[int] = ..., tasks_per_core: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tasks_per_tres: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tasks_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tasks_per_socket: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tasks_per_board: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpus: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., node_count: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tasks: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., partition: _Optional[str] = ..., prefer: _Optional[str] = ..., memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., minimum_cpus_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., minimum_tmp_disk_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., preempt_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., preemptable_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., pre_sus_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., hold: _Optional[bool] = ..., priority: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., profile: _Optional[_Iterable[str]] = ..., qos: _Optional[str] = ..., reboot: _Optional[bool] = ..., required_nodes: _Optional[str] = ..., required_switches: _Optional[int] = ..., requeue: _Optional[bool] = ..., resize_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., restart_cnt: _Optional[int] = ..., resv_name: _Optional[str] = ..., scheduled_nodes: _Optional[str] = ..., selinux_context: _Optional[str] = ..., shared: _Optional[_Iterable[str]] = ..., sockets_per_board: _Optional[int] = ..., sockets_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., start_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., state_description: _Optional[str] = ..., state_reason: _Optional[str] = ..., standard_error: _Optional[str] = ..., standard_input: _Optional[str] = ..., standard_output: _Optional[str] = ..., submit_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., suspend_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., system_comment: _Optional[str] = ..., time_limit: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., time_minimum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., threads_per_core: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tres_bind: _Optional[str] = ..., tres_per_job: _Optional[str] = ..., tres_per_node: _Optional[str] = ..., tres_per_socket: _Optional[str] = ..., tres_per_task: _Optional[str] = ..., tres_req_str: _Optional[str] = ..., tres_alloc_str: _Optional[str] = ..., user_id: _Optional[int] = ..., user_name: _Optional[str] = ..., maximum_switch_wait_time: _Optional[int] = ..., wckey: _Optional[str] = ..., current_working_directory: _Optional[str] = ...) -> None: ...

class JobIdReq(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class JobIdResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "jobs")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    jobs: _containers.RepeatedCompositeFieldContainer[SlurmDBJobDescription]
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., jobs: _Optional[_Iterable[_Union[SlurmDBJobDescription, _Mapping]]] = ...) -> None: ...

class SlurmDBJobDescription(_message.Message):
    __slots__ = ("account", "comment", "allocation_nodes", "array", "association", "block", "cluster", "constraints", "container", "derived_exit_code", "time", "exit_code", "extra", "failed_node", "flags", "group", "het", "job_id", "name", "licenses", "nodes", "partition", "hold", "priority", "qos", "qosreq", "required", "kill_request_user", "restart_cnt", "reservation", "script", "stdin_expanded", "stdout_expanded", "stderr_expanded", "stdout", "stderr", "stdin", "state", "steps", "submit_line", "used_gres", "user", "working_directory")
    class Array(_message.Message):
        __slots__ = ("job_id", "task_id", "task", "limits")
        class Limits(_message.Message):
            __slots__ = ("max",)
            class Max(_message.Message):
                __slots__ = ("running",)
                class Running(_message.Message):
                    __slots__ = ("tasks",)
                    TASKS_FIELD_NUMBER: _ClassVar[int]
                    tasks: int
                    def __init__(self, tasks: _Optional[int] = ...) -> None: ...
                RUNNING_FIELD_NUMBER: _ClassVar[int]
                running: SlurmDBJobDescription.Array.Limits.Max.Running
                def __init__(self, running: _Optional[_Union[SlurmDBJobDescription.Array.Limits.Max.Running, _Mapping]] = ...) -> None: ...
            MAX_FIELD_NUMBER: _ClassVar[int]
            max: SlurmDBJobDescription.Array.Limits.Max
            def __init__(self, max: _Optional[_Union[SlurmDBJobDescription.Array.Limits.Max, _Mapping]] = ...) -> None: ...
        JOB_ID_FIELD_NUMBER: _ClassVar[int]
        TASK_ID_FIELD_NUMBER: _ClassVar[int]
        TASK_FIELD_NUMBER: _ClassVar[int]
        LIMITS_FIELD_NUMBER: _ClassVar[int]
        job_id: int
        task_id: Uint32NoVal
        task: str
        limits: SlurmDBJobDescription.Array.Limits
        def __init__(self, job_id: _Optional[int] = ..., task_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., task: _Optional[str] = ..., limits: _Optional[_Union[SlurmDBJobDescription.Array.Limits, _Mapping]] = ...) -> None: ...
    class Association(_message.Message):
        __slots__ = ("account", "cluster", "partition", "user", "id")
        ACCOUNT_FIELD_NUMBER: _ClassVar[int]
        CLUSTER_FIELD_NUMBER: _ClassVar[int]
        PARTITION_FIELD_NUMBER: _ClassVar[int]
        USER_FIELD_NUMBER: _ClassVar[int]
        ID_FIELD_NUMBER: _ClassVar[int]
        account: str
        cluster: str
        partition: str
        user: str
        id: int
        def __init__(self, account: _Optional[str] = ..., cluster: _Optional[str] = ..., partition: _Optional[str] = ..., user: _Optional[str] = ..., id: _Optional[int] = ...) -> None: ...
    class Comment(_message.Message):
        __slots__ = ("administrator", "job", "system")
        ADMINISTRATOR_FIELD_NUMBER: _ClassVar[int]
        JOB_FIELD_NUMBER: _ClassVar[int]
        SYSTEM_FIELD_NUMBER: _ClassVar[int]
        administrator: str
        job: str
        system: str
        def __init__(self, administrator: _Optional[str] = ..., job: _Optional[str] = ..., system: _Optional[str] = ...) -> None: ...
    class HET(_message.Message):
        __slots__ = ("job_id", "job_offset")
        JOB_ID_FIELD_NUMBER: _ClassVar[int]
        JOB_OFFSET_FIELD_NUMBER: _ClassVar[int]
        job_id: int
        job_offset: Uint32NoVal
        def __init__(self, job_id: _Optional[int] = ..., job_offset: _Optional[_Union[Uint32NoVal, _Mapping]] = ...) -> None: ...
    class Time(_message.Message):
        __slots__ = ("elapsed", "start", "end", "suspended", "planned")
        ELAPSED_FIELD_NUMBER: _ClassVar[int]
        START_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        SUSPENDED_FIELD_NUMBER: _ClassVar[int]
        PLANNED_FIELD_NUMBER: _ClassVar[int]
        elapsed: int
        start: int
        end: int
        suspended: int
        planned: Uint64NoVal
        def __init__(self, elapsed: _Optional[int] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., suspended: _Optional[int] = ..., planned: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...
    class Required(_message.Message):
        __slots__ = ("CPUs", "memory_per_cpu", "memory_per_node")
        CPUS_FIELD_NUMBER: _ClassVar[int]
        MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
        MEMORY_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        CPUs: int
        memory_per_cpu: Uint64NoVal
        memory_per_node: Uint64NoVal
        def __init__(self, CPUs: _Optional[int] = ..., memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...
    class Reservation(_message.Message):
        __slots__ = ("id", "name")
        ID_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        id: int
        name: str
        def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...
    class State(_message.Message):
        __slots__ = ("current", "reason")
        CURRENT_FIELD_NUMBER: _ClassVar[int]
        REASON_FIELD_NUMBER: _ClassVar[int]
        current: _containers.RepeatedScalarFieldContainer[str]
        reason: str
        def __init__(self, current: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...
    class Step(_message.Message):
        __slots__ = ("time", "exit_code", "nodes", "tasks", "cpu", "kill_request_user", "state", "step", "task")
        class Nodes(_message.Message):
            __slots__ = ("count", "range", "list")
            COUNT_FIELD_NUMBER: _ClassVar[int]
            RANGE_FIELD_NUMBER: _ClassVar[int]
            LIST_FIELD_NUMBER: _ClassVar[int]
            count: int
            range: str
            list: _containers.RepeatedScalarFieldContainer[str]
            def __init__(self, count: _Optional[int] = ..., range: _Optional[str] = ..., list: _Optional[_Iterable[str]] = ...) -> None: ...
        class Tasks(_message.Message):
            __slots__ = ("count",)
            COUNT_FIELD_NUMBER: _ClassVar[int]
            count: int
            def __init__(self, count: _Optional[int] = ...) -> None: ...
        class CPU(_message.Message):
            __slots__ = ("requested_frequency", "governor")
            class RequestedFrequency(_message.Message):
                __slots__ = ("min", "max")
                MIN_FIELD_NUMBER: _ClassVar[int]
                MAX_FIELD_NUMBER: _ClassVar[int]
                min: Uint32NoVal
                max: Uint32NoVal
                def __init__(self, min: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., max: _Optional[_Union[Uint32NoVal, _Mapping]] = ...) -> None: ...
            REQUESTED_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
            GOVERNOR_FIELD_NUMBER: _ClassVar[int]
            requested_frequency: SlurmDBJobDescription.Step.CPU.RequestedFrequency
            governor: str
            def __init__(self, requested_frequency: _Optional[_Union[SlurmDBJobDescription.Step.CPU.RequestedFrequency, _Mapping]] = ..., governor: _Optional[str] = ...) -> None: ...
        class StepInfo(_message.Message):
            __slots__ = ("id", "name")
            ID_FIELD_NUMBER: _ClassVar[int]
            NAME_FIELD_NUMBER: _ClassVar[int]
            id: str
            name: str
            def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...
        class Task(_message.Message):
            __slots__ = ("distribution",)
            DISTRIBUTION_FIELD_NUMBER: _ClassVar[int]
            distribution: str
            def __init__(self, distribution: _Optional[str] = ...) -> None: ...
        class StepTime(_message.Message):
            __slots__ = ("elapsed", "end", "start", "suspended")
            ELAPSED_FIELD_NUMBER: _ClassVar[int]
            END_FIELD_NUMBER: _ClassVar[int]
            START_FIELD_NUMBER: _ClassVar[int]
            SUSPENDED_FIELD_NUMBER: _ClassVar[int]
            elapsed: int
            end: Uint64NoVal
            start: Uint64NoVal
            suspended: int
            def __init__(self, elapsed: _Optional[int] = ..., end: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., start: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., suspended: _Optional[int] = ...) -> None: ...
        TIME_FIELD_NUMBER: _ClassVar[int]
        EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
        NODES_FIELD_NUMBER: _ClassVar[int]
        TASKS_FIELD_NUMBER: _ClassVar[int]
        CPU_FIELD_NUMBER: _ClassVar[int]
        KILL_REQUEST_USER_FIELD_NUMBER: _ClassVar[int]
        STATE_FIELD_NUMBER: _ClassVar[int]
        STEP_FIELD_NUMBER: _ClassVar[int]
        TASK_FIELD_NUMBER: _ClassVar[int]
        time: SlurmDBJobDescription.Step.StepTime
        exit_code: ProcessExitCodeVerbose
        nodes: SlurmDBJobDescription.Step.Nodes
        tasks: SlurmDBJobDescription.Step.Tasks
        cpu: SlurmDBJobDescription.Step.CPU
        kill_request_user: str
        state: _containers.RepeatedScalarFieldContainer[str]
        step: SlurmDBJobDescription.Step.StepInfo
        task: SlurmDBJobDescription.Step.Task
        def __init__(self, time: _Optional[_Union[SlurmDBJobDescription.Step.StepTime, _Mapping]] = ..., exit_code: _Optional[_Union[ProcessExitCodeVerbose, _Mapping]] = ..., nodes: _Optional[_Union[SlurmDBJobDescription.Step.Nodes, _Mapping]] = ..., tasks: _Optional[_Union[SlurmDBJobDescription.Step.Tasks, _Mapping]] = ..., cpu: _Optional[_Union[SlurmDBJobDescription.Step.CPU, _Mapping]] = ..., kill_request_user: _Optional[str] = ..., state: _Optional[_Iterable[str]] = ..., step: _Optional[_Union[SlurmDBJobDescription.Step.StepInfo, _Mapping]] = ..., task: _Optional[_Union[SlurmDBJobDescription.Step.Task, _Mapping]] = ...) -> None: ...
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_NODES_FIELD_NUMBER: _ClassVar[int]
    ARRAY_FIELD_NUMBER: _ClassVar[int]
    ASSOCIATION_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    DERIVED_EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    FAILED_NODE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    HET_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    QOS_FIELD_NUMBER: _ClassVar[int]
    QOSREQ_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    KILL_REQUEST_USER_FIELD_NUMBER: _ClassVar[int]
    RESTART_CNT_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    STDIN_EXPANDED_FIELD_NUMBER: _ClassVar[int]
    STDOUT_EXPANDED_FIELD_NUMBER: _ClassVar[int]
    STDERR_EXPANDED_FIELD_NUMBER: _ClassVar[int]
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    STDIN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_LINE_FIELD_NUMBER: _ClassVar[int]
    USED_GRES_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    WORKING_DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    account: str
    comment: SlurmDBJobDescription.Comment
    allocation_nodes: int
    array: SlurmDBJobDescription.Array
    association: SlurmDBJobDescription.Association
    block: str
    cluster: str
    constraints: str
    container: str
    derived_exit_code: ProcessExitCodeVerbose
    time: SlurmDBJobDescription.Time
    exit_code: ProcessExitCodeVerbose
    extra: str
    failed_node: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    group: str
    het: SlurmDBJobDescription.HET
    job_id: int
    name: str
    licenses: str
    nodes: str
    partition: str
    hold: bool
    priority: Uint32NoVal
    qos: str
    qosreq: str
    required: SlurmDBJobDescription.Required
    kill_request_user: str
    restart_cnt: int
    reservation: SlurmDBJobDescription.Reservation
    script: str
    stdin_expanded: str
    stdout_expanded: str
    stderr_expanded: str
    stdout: str
    stderr: str
    stdin: str
    state: SlurmDBJobDescription.State
    steps: _containers.RepeatedCompositeFieldContainer[SlurmDBJobDescription.Step]
    submit_line: str
    used_gres: str
    user: str
    working_directory: str
    def __init__(self, account: _Optional[str] = ..., comment: _Optional[_Union[SlurmDBJobDescription.Comment, _Mapping]] = ..., allocation_nodes: _Optional[int] = ..., array: _Optional[_Union[SlurmDBJobDescription.Array, _Mapping]] = ..., association: _Optional[_Union[SlurmDBJobDescription.Association, _Mapping]] = ..., block: _Optional[str] = ..., cluster: _Optional[str] = ..., constraints: _Optional[str] = ..., container: _Optional[str] = ..., derived_exit_code: _Optional[_Union[ProcessExitCodeVerbose, _Mapping]] = ..., time: _Optional[_Union[SlurmDBJobDescription.Time, _Mapping]] = ..., exit_code: _Optional[_Union[ProcessExitCodeVerbose, _Mapping]] = ..., extra: _Optional[str] = ..., failed_node: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., group: _Optional[str] = ..., het: _Optional[_Union[SlurmDBJobDescription.HET, _Mapping]] = ..., job_id: _Optional[int] = ..., name: _Optional[str] = ..., licenses: _Optional[str] = ..., nodes: _Optional[str] = ..., partition: _Optional[str] = ..., hold: _Optional[bool] = ..., priority: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., qos: _Optional[str] = ..., qosreq: _Optional[str] = ..., required: _Optional[_Union[SlurmDBJobDescription.Required, _Mapping]] = ..., kill_request_user: _Optional[str] = ..., restart_cnt: _Optional[int] = ..., reservation: _Optional[_Union[SlurmDBJobDescription.Reservation, _Mapping]] = ..., script: _Optional[str] = ..., stdin_expanded: _Optional[str] = ..., stdout_expanded: _Optional[str] = ..., stderr_expanded: _Optional[str] = ..., stdout: _Optional[str] = ..., stderr: _Optional[str] = ..., stdin: _Optional[str] = ..., state: _Optional[_Union[SlurmDBJobDescription.State, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[SlurmDBJobDescription.Step, _Mapping]]] = ..., submit_line: _Optional[str] = ..., used_gres: _Optional[str] = ..., user: _Optional[str] = ..., working_directory: _Optional[str] = ...) -> None: ...

class JobSubmitReq(_message.Message):
    __slots__ = ("script", "jobs", "job")
    class JobDescription(_message.Message):
        __slots__ = ("account", "begin_time", "comment", "environment", "licenses", "name", "tasks", "partition", "distribution_plane_size", "priority", "qos", "reservation", "script", "time_limit", "time_minimum", "wait_all_nodes", "current_working_directory", "cpus_per_task", "minimum_cpus", "maximum_cpus", "nodes", "minimum_nodes", "maximum_nodes", "minimum_boards_per_node", "minimum_sockets_per_board", "sockets_per_node", "threads_per_core", "tasks_per_node", "tasks_per_socket", "tasks_per_core", "tasks_per_board", "ntasks_per_tres", "minimum_cpus_per_node", "memory_per_cpu", "memory_per_node", "standard_input", "standard_output", "standard_error")
        class Crontab(_message.Message):
            __slots__ = ("minute", "hour", "day_of_month", "month", "day_of_week", "specification", "command")
            MINUTE_FIELD_NUMBER: _ClassVar[int]
            HOUR_FIELD_NUMBER: _ClassVar[int]
            DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
            MONTH_FIELD_NUMBER: _ClassVar[int]
            DAY_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
            SPECIFICATION_FIELD_NUMBER: _ClassVar[int]
            COMMAND_FIELD_NUMBER: _ClassVar[int]
            minute: str
            hour: str
            day_of_month: str
            month: str
            day_of_week: str
            specification: str
            command: str
            def __init__(self, minute: _Optional[str] = ..., hour: _Optional[str] = ..., day_of_month: _Optional[str] = ..., month: _Optional[str] = ..., day_of_week: _Optional[str] = ..., specification: _Optional[str] = ..., command: _Optional[str] = ...) -> None: ...
        class RLimits(_message.Message):
            __slots__ = ("cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile", "memlock")
            CPU_FIELD_NUMBER: _ClassVar[int]
            FSIZE_FIELD_NUMBER: _ClassVar[int]
            DATA_FIELD_NUMBER: _ClassVar[int]
            STACK_FIELD_NUMBER: _ClassVar[int]
            CORE_FIELD_NUMBER: _ClassVar[int]
            RSS_FIELD_NUMBER: _ClassVar[int]
            NPROC_FIELD_NUMBER: _ClassVar[int]
            NOFILE_FIELD_NUMBER: _ClassVar[int]
            MEMLOCK_FIELD_NUMBER: _ClassVar[int]
            AS_FIELD_NUMBER: _ClassVar[int]
            cpu: Uint64NoVal
            fsize: Uint64NoVal
            data: Uint64NoVal
            stack: Uint64NoVal
            core: Uint64NoVal
            rss: Uint64NoVal
            nproc: Uint64NoVal
            nofile: Uint64NoVal
            memlock: Uint64NoVal
            def __init__(self, cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., fsize: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., data: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., stack: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., core: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., rss: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., nproc: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., nofile: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., memlock: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., **kwargs) -> None: ...
        ACCOUNT_FIELD_NUMBER: _ClassVar[int]
        BEGIN_TIME_FIELD_NUMBER: _ClassVar[int]
        COMMENT_FIELD_NUMBER: _ClassVar[int]
        ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
        LICENSES_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        TASKS_FIELD_NUMBER: _ClassVar[int]
        PARTITION_FIELD_NUMBER: _ClassVar[int]
        DISTRIBUTION_PLANE_SIZE_FIELD_NUMBER: _ClassVar[int]
        PRIORITY_FIELD_NUMBER: _ClassVar[int]
        QOS_FIELD_NUMBER: _ClassVar[int]
        RESERVATION_FIELD_NUMBER: _ClassVar[int]
        SCRIPT_FIELD_NUMBER: _ClassVar[int]
        TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
        TIME_MINIMUM_FIELD_NUMBER: _ClassVar[int]
        WAIT_ALL_NODES_FIELD_NUMBER: _ClassVar[int]
        CURRENT_WORKING_DIRECTORY_FIELD_NUMBER: _ClassVar[int]
        CPUS_PER_TASK_FIELD_NUMBER: _ClassVar[int]
        MINIMUM_CPUS_FIELD_NUMBER: _ClassVar[int]
        MAXIMUM_CPUS_FIELD_NUMBER: _ClassVar[int]
        NODES_FIELD_NUMBER: _ClassVar[int]
        MINIMUM_NODES_FIELD_NUMBER: _ClassVar[int]
        MAXIMUM_NODES_FIELD_NUMBER: _ClassVar[int]
        MINIMUM_BOARDS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        MINIMUM_SOCKETS_PER_BOARD_FIELD_NUMBER: _ClassVar[int]
        SOCKETS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        THREADS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
        TASKS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        TASKS_PER_SOCKET_FIELD_NUMBER: _ClassVar[int]
        TASKS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
        TASKS_PER_BOARD_FIELD_NUMBER: _ClassVar[int]
        NTASKS_PER_TRES_FIELD_NUMBER: _ClassVar[int]
        MINIMUM_CPUS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
        MEMORY_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        STANDARD_INPUT_FIELD_NUMBER: _ClassVar[int]
        STANDARD_OUTPUT_FIELD_NUMBER: _ClassVar[int]
        STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
        account: str
        begin_time: Uint64NoVal
        comment: str
        environment: _containers.RepeatedScalarFieldContainer[str]
        licenses: str
        name: str
        tasks: int
        partition: str
        distribution_plane_size: Uint32NoVal
        priority: Uint32NoVal
        qos: str
        reservation: str
        script: str
        time_limit: Uint32NoVal
        time_minimum: Uint32NoVal
        wait_all_nodes: bool
        current_working_directory: str
        cpus_per_task: int
        minimum_cpus: int
        maximum_cpus: int
        nodes: str
        minimum_nodes: int
        maximum_nodes: int
        minimum_boards_per_node: int
        minimum_sockets_per_board: int
        sockets_per_node: int
        threads_per_core: int
        tasks_per_node: int
        tasks_per_socket: int
        tasks_per_core: int
        tasks_per_board: int
        ntasks_per_tres: int
        minimum_cpus_per_node: int
        memory_per_cpu: Uint64NoVal
        memory_per_node: Uint64NoVal
        standard_input: str
        standard_output: str
        standard_error: str
        def __init__(self, account: _Optional[str] = ..., begin_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., comment: _Optional[str] = ..., environment: _Optional[_Iterable[str]] = ..., licenses: _Optional[str] = ..., name: _Optional[str] = ..., tasks: _Optional[int] = ..., partition: _Optional[str] = ..., distribution_plane_size: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., priority: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., qos: _Optional[str] = ..., reservation: _Optional[str] = ..., script: _Optional[str] = ..., time_limit: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., time_minimum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., wait_all_nodes: _Optional[bool] = ..., current_working_directory: _Optional[str] = ..., cpus_per_task: _Optional[int] = ..., minimum_cpus: _Optional[int] = ..., maximum_cpus: _Optional[int] = ..., nodes: _Optional[str] = ..., minimum_nodes: _Optional[int] = ..., maximum_nodes: _Optional[int] = ..., minimum_boards_per_node: _Optional[int] = ..., minimum_sockets_per_board: _Optional[int] = ..., sockets_per_node: _Optional[int] = ..., threads_per_core: _Optional[int] = ..., tasks_per_node: _Optional[int] = ..., tasks_per_socket: _Optional[int] = ..., tasks_per_core: _Optional[int] = ..., tasks_per_board: _Optional[int] = ..., ntasks_per_tres: _Optional[int] = ..., minimum_cpus_per_node: _Optional[int] = ..., memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., standard_input: _Optional[str] = ..., standard_output: _Optional[str] = ..., standard_error: _Optional[str] = ...) -> None: ...
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    script: str
    jobs: _containers.RepeatedCompositeFieldContainer[JobSubmitReq.JobDescription]
    job: JobSubmitReq.JobDescription
    def __init__(self, script: _Optional[str] = ..., jobs: _Optional[_Iterable[_Union[JobSubmitReq.JobDescription, _Mapping]]] = ..., job: _Optional[_Union[JobSubmitReq.JobDescription, _Mapping]] = ...) -> None: ...

class JobSubmitResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "job_id", "step_id", "job_submit_user_msg")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_SUBMIT_USER_MSG_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    job_id: int
    step_id: str
    job_submit_user_msg: str
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., job_id: _Optional[int] = ..., step_id: _Optional[str] = ..., job_submit_user_msg: _Optional[str] = ...) -> None: ...

class DeleteJobReq(_message.Message):
    __slots__ = ("job_id", "signal", "flags")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    signal: str
    flags: str
    def __init__(self, job_id: _Optional[str] = ..., signal: _Optional[str] = ..., flags: _Optional[str] = ...) -> None: ...

class DeleteJobResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "status")
    class Status(_message.Message):
        __slots__ = ("error", "step_id", "job_id", "federation")
        class Error(_message.Message):
            __slots__ = ("string", "code", "message")
            STRING_FIELD_NUMBER: _ClassVar[int]
            CODE_FIELD_NUMBER: _ClassVar[int]
            MESSAGE_FIELD_NUMBER: _ClassVar[int]
            string: str
            code: int
            message: str
            def __init__(self, string: _Optional[str] = ..., code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...
        class Federation(_message.Message):
            __slots__ = ("sibling",)
            SIBLING_FIELD_NUMBER: _ClassVar[int]
            sibling: str
            def __init__(self, sibling: _Optional[str] = ...) -> None: ...
        ERROR_FIELD_NUMBER: _ClassVar[int]
        STEP_ID_FIELD_NUMBER: _ClassVar[int]
        JOB_ID_FIELD_NUMBER: _ClassVar[int]
        FEDERATION_FIELD_NUMBER: _ClassVar[int]
        error: DeleteJobResp.Status.Error
        step_id: str
        job_id: Uint32NoVal
        federation: DeleteJobResp.Status.Federation
        def __init__(self, error: _Optional[_Union[DeleteJobResp.Status.Error, _Mapping]] = ..., step_id: _Optional[str] = ..., job_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., federation: _Optional[_Union[DeleteJobResp.Status.Federation, _Mapping]] = ...) -> None: ...
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    status: _containers.RepeatedCompositeFieldContainer[DeleteJobResp.Status]
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., status: _Optional[_Iterable[_Union[DeleteJobResp.Status, _Mapping]]] = ...) -> None: ...

class NodesResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "nodes", "last_update")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    nodes: _containers.RepeatedCompositeFieldContainer[SlurmNodeDescription]
    last_update: Uint64NoVal
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., nodes: _Optional[_Iterable[_Union[SlurmNodeDescription, _Mapping]]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...

class SlurmNodeDescription(_message.Message):
    __slots__ = ("architecture", "burstbuffer_network_address", "boards", "boot_time", "cluster_name", "cores", "specialized_cores", "cpu_binding", "cpu_load", "free_mem", "cpus", "effective_cpus", "specialized_cpus", "energy", "extra", "features", "active_features", "gpu_spec", "gres", "gres_drained", "gres_used", "instance_id", "instance_type", "last_busy", "mcs_label", "specialized_memory", "name", "next_state_after_reboot", "address", "hostname", "state", "operating_system", "owner", "partitions", "port", "real_memory", "res_cores_per_gpu", "comment", "reason", "reason_changed_at", "reason_set_by_user", "resume_after", "reservation", "alloc_memory", "alloc_cpus", "alloc_idle_cpus", "tres_used", "tres_weighted", "slurmd_start_time", "sockets", "threads", "temporary_disk", "weight", "tres", "version", "tls_cert_last_renewal", "cert_flags", "topology")
    class Enegery(_message.Message):
        __slots__ = ("average_watts", "base_consumed_energy", "consumed_energy", "current_watts", "previous_consumed_energy", "last_collected")
        AVERAGE_WATTS_FIELD_NUMBER: _ClassVar[int]
        BASE_CONSUMED_ENERGY_FIELD_NUMBER: _ClassVar[int]
        CONSUMED_ENERGY_FIELD_NUMBER: _ClassVar[int]
        CURRENT_WATTS_FIELD_NUMBER: _ClassVar[int]
        PREVIOUS_CONSUMED_ENERGY_FIELD_NUMBER: _ClassVar[int]
        LAST_COLLECTED_FIELD_NUMBER: _ClassVar[int]
        average_watts: int
        base_consumed_energy: int
        consumed_energy: int
        current_watts: Uint32NoVal
        previous_consumed_energy: int
        last_collected: int
        def __init__(self, average_watts: _Optional[int] = ..., base_consumed_energy: _Optional[int] = ..., consumed_energy: _Optional[int] = ..., current_watts: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., previous_consumed_energy: _Optional[int] = ..., last_collected: _Optional[int] = ...) -> None: ...
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    BURSTBUFFER_NETWORK_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BOARDS_FIELD_NUMBER: _ClassVar[int]
    BOOT_TIME_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_NAME_FIELD_NUMBER: _ClassVar[int]
    CORES_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZED_CORES_FIELD_NUMBER: _ClassVar[int]
    CPU_BINDING_FIELD_NUMBER: _ClassVar[int]
    CPU_LOAD_FIELD_NUMBER: _ClassVar[int]
    FREE_MEM_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_CPUS_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZED_CPUS_FIELD_NUMBER: _ClassVar[int]
    ENERGY_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FEATURES_FIELD_NUMBER: _ClassVar[int]
    GPU_SPEC_FIELD_NUMBER: _ClassVar[int]
    GRES_FIELD_NUMBER: _ClassVar[int]
    GRES_DRAINED_FIELD_NUMBER: _ClassVar[int]
    GRES_USED_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    LAST_BUSY_FIELD_NUMBER: _ClassVar[int]
    MCS_LABEL_FIELD_NUMBER: _ClassVar[int]
    SPECIALIZED_MEMORY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEXT_STATE_AFTER_REBOOT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OPERATING_SYSTEM_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    REAL_MEMORY_FIELD_NUMBER: _ClassVar[int]
    RES_CORES_PER_GPU_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REASON_CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_SET_BY_USER_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    ALLOC_MEMORY_FIELD_NUMBER: _ClassVar[int]
    ALLOC_CPUS_FIELD_NUMBER: _ClassVar[int]
    ALLOC_IDLE_CPUS_FIELD_NUMBER: _ClassVar[int]
    TRES_USED_FIELD_NUMBER: _ClassVar[int]
    TRES_WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    SLURMD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    SOCKETS_FIELD_NUMBER: _ClassVar[int]
    THREADS_FIELD_NUMBER: _ClassVar[int]
    TEMPORARY_DISK_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    TRES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TLS_CERT_LAST_RENEWAL_FIELD_NUMBER: _ClassVar[int]
    CERT_FLAGS_FIELD_NUMBER: _ClassVar[int]
    TOPOLOGY_FIELD_NUMBER: _ClassVar[int]
    architecture: str
    burstbuffer_network_address: str
    boards: int
    boot_time: Uint64NoVal
    cluster_name: str
    cores: int
    specialized_cores: int
    cpu_binding: int
    cpu_load: int
    free_mem: Uint64NoVal
    cpus: int
    effective_cpus: int
    specialized_cpus: str
    energy: SlurmNodeDescription.Enegery
    extra: str
    features: _containers.RepeatedScalarFieldContainer[str]
    active_features: _containers.RepeatedScalarFieldContainer[str]
    gpu_spec: str
    gres: str
    gres_drained: str
    gres_used: str
    instance_id: str
    instance_type: str
    last_busy: Uint64NoVal
    mcs_label: str
    specialized_memory: int
    name: str
    next_state_after_reboot: _containers.RepeatedScalarFieldContainer[str]
    address: str
    hostname: str
    state: _containers.RepeatedScalarFieldContainer[str]
    operating_system: str
    owner: str
    partitions: _containers.RepeatedScalarFieldContainer[str]
    port: int
    real_memory: int
    res_cores_per_gpu: int
    comment: str
    reason: str
    reason_changed_at: Uint32NoVal
    reason_set_by_user: str
    resume_after: Uint64NoVal
    reservation: str
    alloc_memory: int
    alloc_cpus: int
    alloc_idle_cpus: int
    tres_used: str
    tres_weighted: float
    slurmd_start_time: Uint64NoVal
    sockets: int
    threads: int
    temporary_disk: int
    weight: int
    tres: str
    version: str
    tls_cert_last_renewal: Uint64NoVal
    cert_flags: _containers.RepeatedScalarFieldContainer[str]
    topology: str
    def __init__(self, architecture: _Optional[str] = ..., burstbuffer_network_address: _Optional[str] = ..., boards: _Optional[int] = ..., boot_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., cluster_name: _Optional[str] = ..., cores: _Optional[int] = ..., specialized_cores: _Optional[int] = ..., cpu_binding: _Optional[int] = ..., cpu_load: _Optional[int] = ..., free_mem: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., cpus: _Optional[int] = ..., effective_cpus: _Optional[int] = ..., specialized_cpus: _Optional[str] = ..., energy: _Optional[_Union[SlurmNodeDescription.Enegery, _Mapping]] = ..., extra: _Optional[str] = ..., features: _Optional[_Iterable[str]] = ..., active_features: _Optional[_Iterable[str]] = ..., gpu_spec: _Optional[str] = ..., gres: _Optional[str] = ..., gres_drained: _Optional[str] = ..., gres_used: _Optional[str] = ..., instance_id: _Optional[str] = ..., instance_type: _Optional[str] = ..., last_busy: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., mcs_label: _Optional[str] = ..., specialized_memory: _Optional[int] = ..., name: _Optional[str] = ..., next_state_after_reboot: _Optional[_Iterable[str]] = ..., address: _Optional[str] = ..., hostname: _Optional[str] = ..., state: _Optional[_Iterable[str]] = ..., operating_system: _Optional[str] = ..., owner: _Optional[str] = ..., partitions: _Optional[_Iterable[str]] = ..., port: _Optional[int] = ..., real_memory: _Optional[int] = ..., res_cores_per_gpu: _Optional[int] = ..., comment: _Optional[str] = ..., reason: _Optional[str] = ..., reason_changed_at: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., reason_set_by_user: _Optional[str] = ..., resume_after: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., reservation: _Optional[str] = ..., alloc_memory: _Optional[int] = ..., alloc_cpus: _Optional[int] = ..., alloc_idle_cpus: _Optional[int] = ..., tres_used: _Optional[str] = ..., tres_weighted: _Optional[float] = ..., slurmd_start_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., sockets: _Optional[int] = ..., threads: _Optional[int] = ..., temporary_disk: _Optional[int] = ..., weight: _Optional[int] = ..., tres: _Optional[str] = ..., version: _Optional[str] = ..., tls_cert_last_renewal: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., cert_flags: _Optional[_Iterable[str]] = ..., topology: _Optional[str] = ...) -> None: ...

class ControllerPingResp(_message.Message):
    __slots__ = ("hostname", "pinged", "latency", "mode")
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    PINGED_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    hostname: str
    pinged: str
    latency: int
    mode: str
    def __init__(self, hostname: _Optional[str] = ..., pinged: _Optional[str] = ..., latency: _Optional[int] = ..., mode: _Optional[str] = ...) -> None: ...

class PingResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "pings")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    PINGS_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    pings: _containers.RepeatedCompositeFieldContainer[ControllerPingResp]
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., pings: _Optional[_Iterable[_Union[ControllerPingResp, _Mapping]]] = ...) -> None: ...

class PartitionsResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "partitions", "last_update")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    partitions: _containers.RepeatedCompositeFieldContainer[SlurmPartitionDescription]
    last_update: Uint64NoVal
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., partitions: _Optional[_Iterable[_Union[SlurmPartitionDescription, _Mapping]]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...

class SlurmPartitionDescription(_message.Message):
    __slots__ = ("nodes", "accounts", "groups", "qos", "alternate", "tres", "cluster", "select_type", "cpus", "defaults", "grace_time", "maximums", "minimums", "name", "node_sets", "priority", "timeouts", "partition", "suspend_time", "topology")
    class Nodes(_message.Message):
        __slots__ = ("allowed_allocation", "configured", "total")
        ALLOWED_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
        CONFIGURED_FIELD_NUMBER: _ClassVar[int]
        TOTAL_FIELD_NUMBER: _ClassVar[int]
        allowed_allocation: str
        configured: str
        total: int
        def __init__(self, allowed_allocation: _Optional[str] = ..., configured: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...
    class Accounts(_message.Message):
        __slots__ = ("allowed", "deny")
        ALLOWED_FIELD_NUMBER: _ClassVar[int]
        DENY_FIELD_NUMBER: _ClassVar[int]
        allowed: str
        deny: str
        def __init__(self, allowed: _Optional[str] = ..., deny: _Optional[str] = ...) -> None: ...
    class Groups(_message.Message):
        __slots__ = ("allowed",)
        ALLOWED_FIELD_NUMBER: _ClassVar[int]
        allowed: str
        def __init__(self, allowed: _Optional[str] = ...) -> None: ...
    class Qos(_message.Message):
        __slots__ = ("allowed", "deny", "assigned")
        ALLOWED_FIELD_NUMBER: _ClassVar[int]
        DENY_FIELD_NUMBER: _ClassVar[int]
        ASSIGNED_FIELD_NUMBER: _ClassVar[int]
        allowed: str
        deny: str
        assigned: str
        def __init__(self, allowed: _Optional[str] = ..., deny: _Optional[str] = ..., assigned: _Optional[str] = ...) -> None: ...
    class Tres(_message.Message):
        __slots__ = ("billing_weights", "configured")
        BILLING_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        CONFIGURED_FIELD_NUMBER: _ClassVar[int]
        billing_weights: str
        configured: str
        def __init__(self, billing_weights: _Optional[str] = ..., configured: _Optional[str] = ...) -> None: ...
    class Cpus(_message.Message):
        __slots__ = ("task_binding", "total")
        TASK_BINDING_FIELD_NUMBER: _ClassVar[int]
        TOTAL_FIELD_NUMBER: _ClassVar[int]
        task_binding: int
        total: int
        def __init__(self, task_binding: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...
    class Defaults(_message.Message):
        __slots__ = ("memory_per_cpu", "partition_memory_per_cpu", "partition_memory_per_node", "time", "job")
        MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
        PARTITION_MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
        PARTITION_MEMORY_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        TIME_FIELD_NUMBER: _ClassVar[int]
        JOB_FIELD_NUMBER: _ClassVar[int]
        memory_per_cpu: int
        partition_memory_per_cpu: Uint64NoVal
        partition_memory_per_node: Uint64NoVal
        time: Uint32NoVal
        job: str
        def __init__(self, memory_per_cpu: _Optional[int] = ..., partition_memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., partition_memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., time: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., job: _Optional[str] = ...) -> None: ...
    class Maximums(_message.Message):
        __slots__ = ("cpus_per_node", "cpus_per_socket", "memory_per_cpu", "partition_memory_per_cpu", "partition_memory_per_node", "nodes", "shares", "oversubscribe", "time", "over_time_limit")
        class Oversubscribe(_message.Message):
            __slots__ = ("jobs", "flags")
            JOBS_FIELD_NUMBER: _ClassVar[int]
            FLAGS_FIELD_NUMBER: _ClassVar[int]
            jobs: int
            flags: _containers.RepeatedScalarFieldContainer[str]
            def __init__(self, jobs: _Optional[int] = ..., flags: _Optional[_Iterable[str]] = ...) -> None: ...
        CPUS_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        CPUS_PER_SOCKET_FIELD_NUMBER: _ClassVar[int]
        MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
        PARTITION_MEMORY_PER_CPU_FIELD_NUMBER: _ClassVar[int]
        PARTITION_MEMORY_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        NODES_FIELD_NUMBER: _ClassVar[int]
        SHARES_FIELD_NUMBER: _ClassVar[int]
        OVERSUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
        TIME_FIELD_NUMBER: _ClassVar[int]
        OVER_TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
        cpus_per_node: Uint32NoVal
        cpus_per_socket: Uint32NoVal
        memory_per_cpu: int
        partition_memory_per_cpu: Uint64NoVal
        partition_memory_per_node: Uint64NoVal
        nodes: Uint32NoVal
        shares: int
        oversubscribe: SlurmPartitionDescription.Maximums.Oversubscribe
        time: Uint32NoVal
        over_time_limit: Uint32NoVal
        def __init__(self, cpus_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpus_per_socket: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., memory_per_cpu: _Optional[int] = ..., partition_memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., partition_memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., nodes: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., shares: _Optional[int] = ..., oversubscribe: _Optional[_Union[SlurmPartitionDescription.Maximums.Oversubscribe, _Mapping]] = ..., time: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., over_time_limit: _Optional[_Union[Uint32NoVal, _Mapping]] = ...) -> None: ...
    class Minimums(_message.Message):
        __slots__ = ("nodes",)
        NODES_FIELD_NUMBER: _ClassVar[int]
        nodes: int
        def __init__(self, nodes: _Optional[int] = ...) -> None: ...
    class Priority(_message.Message):
        __slots__ = ("job_factor", "tier")
        JOB_FACTOR_FIELD_NUMBER: _ClassVar[int]
        TIER_FIELD_NUMBER: _ClassVar[int]
        job_factor: int
        tier: int
        def __init__(self, job_factor: _Optional[int] = ..., tier: _Optional[int] = ...) -> None: ...
    class Timeouts(_message.Message):
        __slots__ = ("resume", "suspend")
        RESUME_FIELD_NUMBER: _ClassVar[int]
        SUSPEND_FIELD_NUMBER: _ClassVar[int]
        resume: Uint32NoVal
        suspend: Uint32NoVal
        def __init__(self, resume: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., suspend: _Optional[_Union[Uint32NoVal, _Mapping]] = ...) -> None: ...
    class Partition(_message.Message):
        __slots__ = ("state",)
        STATE_FIELD_NUMBER: _ClassVar[int]
        state: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, state: _Optional[_Iterable[str]] = ...) -> None: ...
    NODES_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    QOS_FIELD_NUMBER: _ClassVar[int]
    ALTERNATE_FIELD_NUMBER: _ClassVar[int]
    TRES_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    SELECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    GRACE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAXIMUMS_FIELD_NUMBER: _ClassVar[int]
    MINIMUMS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NODE_SETS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUTS_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_TIME_FIELD_NUMBER: _ClassVar[int]
    TOPOLOGY_FIELD_NUMBER: _ClassVar[int]
    nodes: SlurmPartitionDescription.Nodes
    accounts: SlurmPartitionDescription.Accounts
    groups: SlurmPartitionDescription.Groups
    qos: SlurmPartitionDescription.Qos
    alternate: str
    tres: SlurmPartitionDescription.Tres
    cluster: str
    select_type: _containers.RepeatedScalarFieldContainer[str]
    cpus: SlurmPartitionDescription.Cpus
    defaults: SlurmPartitionDescription.Defaults
    grace_time: int
    maximums: SlurmPartitionDescription.Maximums
    minimums: SlurmPartitionDescription.Minimums
    name: str
    node_sets: str
    priority: SlurmPartitionDescription.Priority
    timeouts: SlurmPartitionDescription.Timeouts
    partition: SlurmPartitionDescription.Partition
    suspend_time: Uint32NoVal
    topology: str
    def __init__(self, nodes: _Optional[_Union[SlurmPartitionDescription.Nodes, _Mapping]] = ..., accounts: _Optional[_Union[SlurmPartitionDescription.Accounts, _Mapping]] = ..., groups: _Optional[_Union[SlurmPartitionDescription.Groups, _Mapping]] = ..., qos: _Optional[_Union[SlurmPartitionDescription.Qos, _Mapping]] = ..., alternate: _Optional[str] = ..., tres: _Optional[_Union[SlurmPartitionDescription.Tres, _Mapping]] = ..., cluster: _Optional[str] = ..., select_type: _Optional[_Iterable[str]] = ..., cpus: _Optional[_Union[SlurmPartitionDescription.Cpus, _Mapping]] = ..., defaults: _Optional[_Union[SlurmPartitionDescription.Defaults, _Mapping]] = ..., grace_time: _Optional[int] = ..., maximums: _Optional[_Union[SlurmPartitionDescription.Maximums, _Mapping]] = ..., minimums: _Optional[_Union[SlurmPartitionDescription.Minimums, _Mapping]] = ..., name: _Optional[str] = ..., node_sets: _Optional[str] = ..., priority: _Optional[_Union[SlurmPartitionDescription.Priority, _Mapping]] = ..., timeouts: _Optional[_Union[SlurmPartitionDescription.Timeouts, _Mapping]] = ..., partition: _Optional[_Union[SlurmPartitionDescription.Partition, _Mapping]] = ..., suspend_time: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., topology: _Optional[str] = ...) -> None: ...

class ReservationsResp(_message.Message):
    __slots__ = ("meta", "errors", "warnings", "reservations", "last_update")
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    meta: MetaResp
    errors: _containers.RepeatedCompositeFieldContainer[ErrorResp]
    warnings: _containers.RepeatedCompositeFieldContainer[WarningResp]
    reservations: _containers.RepeatedCompositeFieldContainer[Reservation]
    last_update: Uint64NoVal
    def __init__(self, meta: _Optional[_Union[MetaResp, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[ErrorResp, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[WarningResp, _Mapping]]] = ..., reservations: _Optional[_Iterable[_Union[Reservation, _Mapping]]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("accounts", "burst_buffer", "core_count", "core_specializations", "end_time", "features", "flags", "groups", "licenses", "max_start_delay", "name", "node_count", "node_list", "partition", "purge_completed", "start_time", "watts", "tres", "users")
    class CoreSpecialization(_message.Message):
        __slots__ = ("node", "core")
        NODE_FIELD_NUMBER: _ClassVar[int]
        CORE_FIELD_NUMBER: _ClassVar[int]
        node: str
        core: str
        def __init__(self, node: _Optional[str] = ..., core: _Optional[str] = ...) -> None: ...
    class PurgeCompleted(_message.Message):
        __slots__ = ("time",)
        TIME_FIELD_NUMBER: _ClassVar[int]
        time: Uint32NoVal
        def __init__(self, time: _Optional[_Union[Uint32NoVal, _Mapping]] = ...) -> None: ...
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    BURST_BUFFER_FIELD_NUMBER: _ClassVar[int]
    CORE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CORE_SPECIALIZATIONS_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    LICENSES_FIELD_NUMBER: _ClassVar[int]
    MAX_START_DELAY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NODE_COUNT_FIELD_NUMBER: _ClassVar[int]
    NODE_LIST_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    PURGE_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    WATTS_FIELD_NUMBER: _ClassVar[int]
    TRES_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    accounts: str
    burst_buffer: str
    core_count: int
    core_specializations: _containers.RepeatedCompositeFieldContainer[Reservation.CoreSpecialization]
    end_time: Uint64NoVal
    features: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    groups: str
    licenses: str
    max_start_delay: int
    name: str
    node_count: int
    node_list: str
    partition: str
    purge_completed: Reservation.PurgeCompleted
    start_time: Uint64NoVal
    watts: Uint32NoVal
    tres: str
    users: str
    def __init__(self, accounts: _Optional[str] = ..., burst_buffer: _Optional[str] = ..., core_count: _Optional[int] = ..., core_specializations: _Optional[_Iterable[_Union[Reservation.CoreSpecialization, _Mapping]]] = ..., end_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., features: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., groups: _Optional[str] = ..., licenses: _Optional[str] = ..., max_start_delay: _Optional[int] = ..., name: _Optional[str] = ..., node_count: _Optional[int] = ..., node_list: _Optional[str] = ..., partition: _Optional[str] = ..., purge_completed: _Optional[_Union[Reservation.PurgeCompleted, _Mapping]] = ..., start_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., watts: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tres: _Optional[str] = ..., users: _Optional[str] = ...) -> None: ...
