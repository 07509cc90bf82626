from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobIdReq(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class DeleteJobReq(_message.Message):
    __slots__ = ("job_id", "signal", "flags")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    signal: str
    flags: str
    def __init__(self, job_id: _Optional[str] = ..., signal: _Optional[str] = ..., flags: _Optional[str] = ...) -> None: ...

class JobSubmitReq(_message.Message):
    __slots__ = ("script", "jobs", "job")
    class JobDescription(_message.Message):
        __slots__ = ("account", "account_gather_frequency", "admin_comment", "allocation_node_list", "allocation_node_port", "argv", "array", "batch_features", "begin_time", "flags", "burst_buffer", "clusters", "cluster_constraint", "comment", "contiguous", "container", "container_id", "core_specification", "thread_specification", "cpu_binding", "cpu_binding_flags", "cpu_frequency", "cpus_per_tres", "crontab", "deadline", "delay_boot", "dependency", "end_time", "environment", "rlimits", "excluded_nodes", "extra", "constraints", "group_id", "hetjob_group", "immediate", "job_id", "kill_on_node_fail", "licenses", "mail_type", "mail_user", "mcs_label", "memory_binding", "memory_binding_type", "memory_per_tres", "name", "network", "nice", "tasks", "oom_kill_step", "open_mode", "reserve_ports", "overcommit", "partition", "distribution_plane_size", "power_flags", "prefer", "hold", "priority", "profile", "qos", "reboot", "required_nodes", "requeue", "reservation", "script", "shared", "site_factor", "spank_environment", "distribution", "time_limit", "time_minimum", "tres_bind", "tres_freq", "tres_per_job", "tres_per_node", "tres_per_socket", "tres_per_task", "user_id", "wait_all_nodes", "kill_warning_flags", "kill_warning_signal", "kill_warning_delay", "current_working_directory", "cpus_per_task", "minimum_cpus", "maximum_cpus", "nodes", "minimum_nodes", "maximum_nodes", "minimum_boards_per_node", "minimum_sockets_per_board", "sockets_per_node", "threads_per_core", "tasks_per_node", "tasks_per_socket", "tasks_per_core", "tasks_per_board", "ntasks_per_tres", "minimum_cpus_per_node", "memory_per_cpu", "memory_per_node", "temporary_disk_per_node", "selinux_context", "required_switches", "segment_size", "standard_error", "standard_input", "standard_output", "wait_for_switch", "wckey", "x11", "x11_magic_cookie", "x11_target_host", "x11_target_port")
        class Rlimits(_message.Message):
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
        ACCOUNT_GATHER_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
        ADMIN_COMMENT_FIELD_NUMBER: _ClassVar[int]
        ALLOCATION_NODE_LIST_FIELD_NUMBER: _ClassVar[int]
        ALLOCATION_NODE_PORT_FIELD_NUMBER: _ClassVar[int]
        ARGV_FIELD_NUMBER: _ClassVar[int]
        ARRAY_FIELD_NUMBER: _ClassVar[int]
        BATCH_FEATURES_FIELD_NUMBER: _ClassVar[int]
        BEGIN_TIME_FIELD_NUMBER: _ClassVar[int]
        FLAGS_FIELD_NUMBER: _ClassVar[int]
        BURST_BUFFER_FIELD_NUMBER: _ClassVar[int]
        CLUSTERS_FIELD_NUMBER: _ClassVar[int]
        CLUSTER_CONSTRAINT_FIELD_NUMBER: _ClassVar[int]
        COMMENT_FIELD_NUMBER: _ClassVar[int]
        CONTIGUOUS_FIELD_NUMBER: _ClassVar[int]
        CONTAINER_FIELD_NUMBER: _ClassVar[int]
        CONTAINER_ID_FIELD_NUMBER: _ClassVar[int]
        CORE_SPECIFICATION_FIELD_NUMBER: _ClassVar[int]
        THREAD_SPECIFICATION_FIELD_NUMBER: _ClassVar[int]
        CPU_BINDING_FIELD_NUMBER: _ClassVar[int]
        CPU_BINDING_FLAGS_FIELD_NUMBER: _ClassVar[int]
        CPU_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
        CPUS_PER_TRES_FIELD_NUMBER: _ClassVar[int]
        CRONTAB_FIELD_NUMBER: _ClassVar[int]
        DEADLINE_FIELD_NUMBER: _ClassVar[int]
        DELAY_BOOT_FIELD_NUMBER: _ClassVar[int]
        DEPENDENCY_FIELD_NUMBER: _ClassVar[int]
        END_TIME_FIELD_NUMBER: _ClassVar[int]
        ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
        RLIMITS_FIELD_NUMBER: _ClassVar[int]
        EXCLUDED_NODES_FIELD_NUMBER: _ClassVar[int]
        EXTRA_FIELD_NUMBER: _ClassVar[int]
        CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
        GROUP_ID_FIELD_NUMBER: _ClassVar[int]
        HETJOB_GROUP_FIELD_NUMBER: _ClassVar[int]
        IMMEDIATE_FIELD_NUMBER: _ClassVar[int]
        JOB_ID_FIELD_NUMBER: _ClassVar[int]
        KILL_ON_NODE_FAIL_FIELD_NUMBER: _ClassVar[int]
        LICENSES_FIELD_NUMBER: _ClassVar[int]
        MAIL_TYPE_FIELD_NUMBER: _ClassVar[int]
        MAIL_USER_FIELD_NUMBER: _ClassVar[int]
        MCS_LABEL_FIELD_NUMBER: _ClassVar[int]
        MEMORY_BINDING_FIELD_NUMBER: _ClassVar[int]
        MEMORY_BINDING_TYPE_FIELD_NUMBER: _ClassVar[int]
        MEMORY_PER_TRES_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        NETWORK_FIELD_NUMBER: _ClassVar[int]
        NICE_FIELD_NUMBER: _ClassVar[int]
        TASKS_FIELD_NUMBER: _ClassVar[int]
        OOM_KILL_STEP_FIELD_NUMBER: _ClassVar[int]
        OPEN_MODE_FIELD_NUMBER: _ClassVar[int]
        RESERVE_PORTS_FIELD_NUMBER: _ClassVar[int]
        OVERCOMMIT_FIELD_NUMBER: _ClassVar[int]
        PARTITION_FIELD_NUMBER: _ClassVar[int]
        DISTRIBUTION_PLANE_SIZE_FIELD_NUMBER: _ClassVar[int]
        POWER_FLAGS_FIELD_NUMBER: _ClassVar[int]
        PREFER_FIELD_NUMBER: _ClassVar[int]
        HOLD_FIELD_NUMBER: _ClassVar[int]
        PRIORITY_FIELD_NUMBER: _ClassVar[int]
        PROFILE_FIELD_NUMBER: _ClassVar[int]
        QOS_FIELD_NUMBER: _ClassVar[int]
        REBOOT_FIELD_NUMBER: _ClassVar[int]
        REQUIRED_NODES_FIELD_NUMBER: _ClassVar[int]
        REQUEUE_FIELD_NUMBER: _ClassVar[int]
        RESERVATION_FIELD_NUMBER: _ClassVar[int]
        SCRIPT_FIELD_NUMBER: _ClassVar[int]
        SHARED_FIELD_NUMBER: _ClassVar[int]
        SITE_FACTOR_FIELD_NUMBER: _ClassVar[int]
        SPANK_ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
        DISTRIBUTION_FIELD_NUMBER: _ClassVar[int]
        TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
        TIME_MINIMUM_FIELD_NUMBER: _ClassVar[int]
        TRES_BIND_FIELD_NUMBER: _ClassVar[int]
        TRES_FREQ_FIELD_NUMBER: _ClassVar[int]
        TRES_PER_JOB_FIELD_NUMBER: _ClassVar[int]
        TRES_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        TRES_PER_SOCKET_FIELD_NUMBER: _ClassVar[int]
        TRES_PER_TASK_FIELD_NUMBER: _ClassVar[int]
        USER_ID_FIELD_NUMBER: _ClassVar[int]
        WAIT_ALL_NODES_FIELD_NUMBER: _ClassVar[int]
        KILL_WARNING_FLAGS_FIELD_NUMBER: _ClassVar[int]
        KILL_WARNING_SIGNAL_FIELD_NUMBER: _ClassVar[int]
        KILL_WARNING_DELAY_FIELD_NUMBER: _ClassVar[int]
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
        TEMPORARY_DISK_PER_NODE_FIELD_NUMBER: _ClassVar[int]
        SELINUX_CONTEXT_FIELD_NUMBER: _ClassVar[int]
        REQUIRED_SWITCHES_FIELD_NUMBER: _ClassVar[int]
        SEGMENT_SIZE_FIELD_NUMBER: _ClassVar[int]
        STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
        STANDARD_INPUT_FIELD_NUMBER: _ClassVar[int]
        STANDARD_OUTPUT_FIELD_NUMBER: _ClassVar[int]
        WAIT_FOR_SWITCH_FIELD_NUMBER: _ClassVar[int]
        WCKEY_FIELD_NUMBER: _ClassVar[int]
        X11_FIELD_NUMBER: _ClassVar[int]
        X11_MAGIC_COOKIE_FIELD_NUMBER: _ClassVar[int]
        X11_TARGET_HOST_FIELD_NUMBER: _ClassVar[int]
        X11_TARGET_PORT_FIELD_NUMBER: _ClassVar[int]
        account: str
        account_gather_frequency: str
        admin_comment: str
        allocation_node_list: str
        allocation_node_port: int
        argv: _containers.RepeatedScalarFieldContainer[str]
        array: str
        batch_features: str
        begin_time: Uint64NoVal
        flags: _containers.RepeatedScalarFieldContainer[str]
        burst_buffer: str
        clusters: str
        cluster_constraint: str
        comment: str
        contiguous: bool
        container: str
        container_id: str
        core_specification: int
        thread_specification: int
        cpu_binding: str
        cpu_binding_flags: _containers.RepeatedScalarFieldContainer[str]
        cpu_frequency: str
        cpus_per_tres: str
        crontab: CronEntry
        deadline: int
        delay_boot: int
        dependency: str
        end_time: int
        environment: _containers.RepeatedScalarFieldContainer[str]
        rlimits: JobSubmitReq.JobDescription.Rlimits
        excluded_nodes: _containers.RepeatedScalarFieldContainer[str]
        extra: str
        constraints: str
        group_id: str
        hetjob_group: int
        immediate: bool
        job_id: int
        kill_on_node_fail: bool
        licenses: str
        mail_type: _containers.RepeatedScalarFieldContainer[str]
        mail_user: str
        mcs_label: str
        memory_binding: str
        memory_binding_type: _containers.RepeatedScalarFieldContainer[str]
        memory_per_tres: str
        name: str
        network: str
        nice: int
        tasks: int
        oom_kill_step: int
        open_mode: _containers.RepeatedScalarFieldContainer[str]
        reserve_ports: int
        overcommit: bool
        partition: str
        distribution_plane_size: Uint16NoVal
        power_flags: _containers.RepeatedScalarFieldContainer[str]
        prefer: str
        hold: bool
        priority: Uint32NoVal
        profile: _containers.RepeatedScalarFieldContainer[str]
        qos: str
        reboot: bool
        required_nodes: _containers.RepeatedScalarFieldContainer[str]
        requeue: bool
        reservation: str
        script: str
        shared: _containers.RepeatedScalarFieldContainer[str]
        site_factor: int
        spank_environment: _containers.RepeatedScalarFieldContainer[str]
        distribution: str
        time_limit: Uint32NoVal
        time_minimum: Uint32NoVal
        tres_bind: str
        tres_freq: str
        tres_per_job: str
        tres_per_node: str
        tres_per_socket: str
        tres_per_task: str
        user_id: str
        wait_all_nodes: bool
        kill_warning_flags: _containers.RepeatedScalarFieldContainer[str]
        kill_warning_signal: str
        kill_warning_delay: Uint16NoVal
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
        temporary_disk_per_node: int
        selinux_context: str
        required_switches: Uint32NoVal
        segment_size: Uint16NoVal
        standard_error: str
        standard_input: str
        standard_output: str
        wait_for_switch: int
        wckey: str
        x11: _containers.RepeatedScalarFieldContainer[str]
        x11_magic_cookie: str
        x11_target_host: str
        x11_target_port: int
        def __init__(self, account: _Optional[str] = ..., account_gather_frequency: _Optional[str] = ..., admin_comment: _Optional[str] = ..., allocation_node_list: _Optional[str] = ..., allocation_node_port: _Optional[int] = ..., argv: _Optional[_Iterable[str]] = ..., array: _Optional[str] = ..., batch_features: _Optional[str] = ..., begin_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., flags: _Optional[_Iterable[str]] = ..., burst_buffer: _Optional[str] = ..., clusters: _Optional[str] = ..., cluster_constraint: _Optional[str] = ..., comment: _Optional[str] = ..., contiguous: _Optional[bool] = ..., container: _Optional[str] = ..., container_id: _Optional[str] = ..., core_specification: _Optional[int] = ..., thread_specification: _Optional[int] = ..., cpu_binding: _Optional[str] = ..., cpu_binding_flags: _Optional[_Iterable[str]] = ..., cpu_frequency: _Optional[str] = ..., cpus_per_tres: _Optional[str] = ..., crontab: _Optional[_Union[CronEntry, _Mapping]] = ..., deadline: _Optional[int] = ..., delay_boot: _Optional[int] = ..., dependency: _Optional[str] = ..., end_time: _Optional[int] = ..., environment: _Optional[_Iterable[str]] = ..., rlimits: _Optional[_Union[JobSubmitReq.JobDescription.Rlimits, _Mapping]] = ..., excluded_nodes: _Optional[_Iterable[str]] = ..., extra: _Optional[str] = ..., constraints: _Optional[str] = ..., group_id: _Optional[str] = ..., hetjob_group: _Optional[int] = ..., immediate: _Optional[bool] = ..., job_id: _Optional[int] = ..., kill_on_node_fail: _Optional[bool] = ..., licenses: _Optional[str] = ..., mail_type: _Optional[_Iterable[str]] = ..., mail_user: _Optional[str] = ..., mcs_label: _Optional[str] = ..., memory_binding: _Optional[str] = ..., memory_binding_type: _Optional[_Iterable[str]] = ..., memory_per_tres: _Optional[str] = ..., name: _Optional[str] = ..., network: _Optional[str] = ..., nice: _Optional[int] = ..., tasks: _Optional[int] = ..., oom_kill_step: _Optional[int] = ..., open_mode: _Optional[_Iterable[str]] = ..., reserve_ports: _Optional[int] = ..., overcommit: _Optional[bool] = ..., partition: _Optional[str] = ..., distribution_plane_size: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., power_flags: _Optional[_Iterable[str]] = ..., prefer: _Optional[str] = ..., hold: _Optional[bool] = ..., priority: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., profile: _Optional[_Iterable[str]] = ..., qos: _Optional[str] = ..., reboot: _Optional[bool] = ..., required_nodes: _Optional[_Iterable[str]] = ..., requeue: _Optional[bool] = ..., reservation: _Optional[str] = ..., script: _Optional[str] = ..., shared: _Optional[_Iterable[str]] = ..., site_factor: _Optional[int] = ..., spank_environment: _Optional[_Iterable[str]] = ..., distribution: _Optional[str] = ..., time_limit: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., time_minimum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tres_bind: _Optional[str] = ..., tres_freq: _Optional[str] = ..., tres_per_job: _Optional[str] = ..., tres_per_node: _Optional[str] = ..., tres_per_socket: _Optional[str] = ..., tres_per_task: _Optional[str] = ..., user_id: _Optional[str] = ..., wait_all_nodes: _Optional[bool] = ..., kill_warning_flags: _Optional[_Iterable[str]] = ..., kill_warning_signal: _Optional[str] = ..., kill_warning_delay: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., current_working_directory: _Optional[str] = ..., cpus_per_task: _Optional[int] = ..., minimum_cpus: _Optional[int] = ..., maximum_cpus: _Optional[int] = ..., nodes: _Optional[str] = ..., minimum_nodes: _Optional[int] = ..., maximum_nodes: _Optional[int] = ..., minimum_boards_per_node: _Optional[int] = ..., minimum_sockets_per_board: _Optional[int] = ..., sockets_per_node: _Optional[int] = ..., threads_per_core: _Optional[int] = ..., tasks_per_node: _Optional[int] = ..., tasks_per_socket: _Optional[int] = ..., tasks_per_core: _Optional[int] = ..., tasks_per_board: _Optional[int] = ..., ntasks_per_tres: _Optional[int] = ..., minimum_cpus_per_node: _Optional[int] = ..., memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., temporary_disk_per_node: _Optional[int] = ..., selinux_context: _Optional[str] = ..., required_switches: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., segment_size: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., standard_error: _Optional[str] = ..., standard_input: _Optional[str] = ..., standard_output: _Optional[str] = ..., wait_for_switch: _Optional[int] = ..., wckey: _Optional[str] = ..., x11: _Optional[_Iterable[str]] = ..., x11_magic_cookie: _Optional[str] = ..., x11_target_host: _Optional[str] = ..., x11_target_port: _Optional[int] = ...) -> None: ...
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    script: str
    jobs: _containers.RepeatedCompositeFieldContainer[JobSubmitReq.JobDescription]
    job: JobSubmitReq.JobDescription
    def __init__(self, script: _Optional[str] = ..., jobs: _Optional[_Iterable[_Union[JobSubmitReq.JobDescription, _Mapping]]] = ..., job: _Optional[_Union[JobSubmitReq.JobDescription, _Mapping]] = ...) -> None: ...

class OpenapiPingArrayResp(_message.Message):
    __slots__ = ("pings", "meta", "errors", "warnings")
    PINGS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    pings: _containers.RepeatedCompositeFieldContainer[ControllerPing]
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, pings: _Optional[_Iterable[_Union[ControllerPing, _Mapping]]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiPartitionResp(_message.Message):
    __slots__ = ("partitions", "last_update", "meta", "errors", "warnings")
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    partitions: _containers.RepeatedCompositeFieldContainer[PartitionInfo]
    last_update: Uint64NoVal
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, partitions: _Optional[_Iterable[_Union[PartitionInfo, _Mapping]]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiJobSubmitResponse(_message.Message):
    __slots__ = ("job_id", "step_id", "job_submit_user_msg", "meta", "errors", "warnings")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_SUBMIT_USER_MSG_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    job_id: int
    step_id: str
    job_submit_user_msg: str
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, job_id: _Optional[int] = ..., step_id: _Optional[str] = ..., job_submit_user_msg: _Optional[str] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiJobInfoResp(_message.Message):
    __slots__ = ("jobs", "last_backfill", "last_update", "meta", "errors", "warnings")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    LAST_BACKFILL_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[JobInfo]
    last_backfill: Uint64NoVal
    last_update: Uint64NoVal
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, jobs: _Optional[_Iterable[_Union[JobInfo, _Mapping]]] = ..., last_backfill: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiKillJobResp(_message.Message):
    __slots__ = ("status", "meta", "errors", "warnings")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    status: _containers.RepeatedCompositeFieldContainer[KillJobsRespJob]
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, status: _Optional[_Iterable[_Union[KillJobsRespJob, _Mapping]]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiNodesResp(_message.Message):
    __slots__ = ("nodes", "last_update", "meta", "errors", "warnings")
    NODES_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    last_update: Uint64NoVal
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiReservationResp(_message.Message):
    __slots__ = ("reservations", "last_update", "meta", "errors", "warnings")
    RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    reservations: _containers.RepeatedCompositeFieldContainer[ReservationInfo]
    last_update: Uint64NoVal
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, reservations: _Optional[_Iterable[_Union[ReservationInfo, _Mapping]]] = ..., last_update: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class OpenapiDiagResp(_message.Message):
    __slots__ = ("statistics", "meta", "errors", "warnings")
    STATISTICS_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    statistics: StatsMsg
    meta: OpenapiMeta
    errors: _containers.RepeatedCompositeFieldContainer[OpenapiError]
    warnings: _containers.RepeatedCompositeFieldContainer[OpenapiWarning]
    def __init__(self, statistics: _Optional[_Union[StatsMsg, _Mapping]] = ..., meta: _Optional[_Union[OpenapiMeta, _Mapping]] = ..., errors: _Optional[_Iterable[_Union[OpenapiError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[OpenapiWarning, _Mapping]]] = ...) -> None: ...

class CronEntry(_message.Message):
    __slots__ = ("flags", "minute", "hour", "day_of_month", "month", "day_of_week", "specification", "command", "line")
    class Line(_message.Message):
        __slots__ = ("start", "end")
        START_FIELD_NUMBER: _ClassVar[int]
        END_FIELD_NUMBER: _ClassVar[int]
        start: int
        end: int
        def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    MINUTE_FIELD_NUMBER: _ClassVar[int]
    HOUR_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    SPECIFICATION_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    flags: _containers.RepeatedScalarFieldContainer[str]
    minute: str
    hour: str
    day_of_month: str
    month: str
    day_of_week: str
    specification: str
    command: str
    line: CronEntry.Line
    def __init__(self, flags: _Optional[_Iterable[str]] = ..., minute: _Optional[str] = ..., hour: _Optional[str] = ..., day_of_month: _Optional[str] = ..., month: _Optional[str] = ..., day_of_week: _Optional[str] = ..., specification: _Optional[str] = ..., command: _Optional[str] = ..., line: _Optional[_Union[CronEntry.Line, _Mapping]] = ...) -> None: ...

class ControllerPing(_message.Message):
    __slots__ = ("hostname", "pinged", "responding", "latency", "mode", "primary")
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    PINGED_FIELD_NUMBER: _ClassVar[int]
    RESPONDING_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    hostname: str
    pinged: str
    responding: bool
    latency: int
    mode: str
    primary: bool
    def __init__(self, hostname: _Optional[str] = ..., pinged: _Optional[str] = ..., responding: _Optional[bool] = ..., latency: _Optional[int] = ..., mode: _Optional[str] = ..., primary: _Optional[bool] = ...) -> None: ...

class OpenapiMeta(_message.Message):
    __slots__ = ("plugin", "client", "command", "slurm")
    class Plugin(_message.Message):
        __slots__ = ("type", "name", "data_parser", "accounting_storage")
        TYPE_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        DATA_PARSER_FIELD_NUMBER: _ClassVar[int]
        ACCOUNTING_STORAGE_FIELD_NUMBER: _ClassVar[int]
        type: str
        name: str
        data_parser: str
        accounting_storage: str
        def __init__(self, type: _Optional[str] = ..., name: _Optional[str] = ..., data_parser: _Optional[str] = ..., accounting_storage: _Optional[str] = ...) -> None: ...
    class Client(_message.Message):
        __slots__ = ("source", "user", "group")
        SOURCE_FIELD_NUMBER: _ClassVar[int]
        USER_FIELD_NUMBER: _ClassVar[int]
        GROUP_FIELD_NUMBER: _ClassVar[int]
        source: str
        user: str
        group: str
        def __init__(self, source: _Optional[str] = ..., user: _Optional[str] = ..., group: _Optional[str] = ...) -> None: ...
    class Slurm(_message.Message):
        __slots__ = ("version", "release", "cluster")
        class Version(_message.Message):
            __slots__ = ("major", "micro", "minor")
            MAJOR_FIELD_NUMBER: _ClassVar[int]
            MICRO_FIELD_NUMBER: _ClassVar[int]
            MINOR_FIELD_NUMBER: _ClassVar[int]
            major: str
            micro: str
            minor: str
            def __init__(self, major: _Optional[str] = ..., micro: _Optional[str] = ..., minor: _Optional[str] = ...) -> None: ...
        VERSION_FIELD_NUMBER: _ClassVar[int]
        RELEASE_FIELD_NUMBER: _ClassVar[int]
        CLUSTER_FIELD_NUMBER: _ClassVar[int]
        version: OpenapiMeta.Slurm.Version
        release: str
        cluster: str
        def __init__(self, version: _Optional[_Union[OpenapiMeta.Slurm.Version, _Mapping]] = ..., release: _Optional[str] = ..., cluster: _Optional[str] = ...) -> None: ...
    PLUGIN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    SLURM_FIELD_NUMBER: _ClassVar[int]
    plugin: OpenapiMeta.Plugin
    client: OpenapiMeta.Client
    command: _containers.RepeatedScalarFieldContainer[str]
    slurm: OpenapiMeta.Slurm
    def __init__(self, plugin: _Optional[_Union[OpenapiMeta.Plugin, _Mapping]] = ..., client: _Optional[_Union[OpenapiMeta.Client, _Mapping]] = ..., command: _Optional[_Iterable[str]] = ..., slurm: _Optional[_Union[OpenapiMeta.Slurm, _Mapping]] = ...) -> None: ...

class OpenapiError(_message.Message):
    __slots__ = ("description", "error_number", "error", "source")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ERROR_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    description: str
    error_number: int
    error: str
    source: str
    def __init__(self, description: _Optional[str] = ..., error_number: _Optional[int] = ..., error: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class OpenapiWarning(_message.Message):
    __slots__ = ("description", "source")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    description: str
    source: str
    def __init__(self, description: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class PartitionInfo(_message.Message):
    __slots__ = ("nodes", "accounts", "groups", "qos", "alternate", "tres", "cluster", "select_type", "cpus", "defaults", "grace_time", "maximums", "minimums", "name", "node_sets", "priority", "timeouts", "partition", "suspend_time")
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
        oversubscribe: PartitionInfo.Maximums.Oversubscribe
        time: Uint32NoVal
        over_time_limit: Uint16NoVal
        def __init__(self, cpus_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpus_per_socket: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., memory_per_cpu: _Optional[int] = ..., partition_memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., partition_memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., nodes: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., shares: _Optional[int] = ..., oversubscribe: _Optional[_Union[PartitionInfo.Maximums.Oversubscribe, _Mapping]] = ..., time: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., over_time_limit: _Optional[_Union[Uint16NoVal, _Mapping]] = ...) -> None: ...
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
        resume: Uint16NoVal
        suspend: Uint16NoVal
        def __init__(self, resume: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., suspend: _Optional[_Union[Uint16NoVal, _Mapping]] = ...) -> None: ...
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
    nodes: PartitionInfo.Nodes
    accounts: PartitionInfo.Accounts
    groups: PartitionInfo.Groups
    qos: PartitionInfo.Qos
    alternate: str
    tres: PartitionInfo.Tres
    cluster: str
    select_type: _containers.RepeatedScalarFieldContainer[str]
    cpus: PartitionInfo.Cpus
    defaults: PartitionInfo.Defaults
    grace_time: int
    maximums: PartitionInfo.Maximums
    minimums: PartitionInfo.Minimums
    name: str
    node_sets: str
    priority: PartitionInfo.Priority
    timeouts: PartitionInfo.Timeouts
    partition: PartitionInfo.Partition
    suspend_time: Uint32NoVal
    def __init__(self, nodes: _Optional[_Union[PartitionInfo.Nodes, _Mapping]] = ..., accounts: _Optional[_Union[PartitionInfo.Accounts, _Mapping]] = ..., groups: _Optional[_Union[PartitionInfo.Groups, _Mapping]] = ..., qos: _Optional[_Union[PartitionInfo.Qos, _Mapping]] = ..., alternate: _Optional[str] = ..., tres: _Optional[_Union[PartitionInfo.Tres, _Mapping]] = ..., cluster: _Optional[str] = ..., select_type: _Optional[_Iterable[str]] = ..., cpus: _Optional[_Union[PartitionInfo.Cpus, _Mapping]] = ..., defaults: _Optional[_Union[PartitionInfo.Defaults, _Mapping]] = ..., grace_time: _Optional[int] = ..., maximums: _Optional[_Union[PartitionInfo.Maximums, _Mapping]] = ..., minimums: _Optional[_Union[PartitionInfo.Minimums, _Mapping]] = ..., name: _Optional[str] = ..., node_sets: _Optional[str] = ..., priority: _Optional[_Union[PartitionInfo.Priority, _Mapping]] = ..., timeouts: _Optional[_Union[PartitionInfo.Timeouts, _Mapping]] = ..., partition: _Optional[_Union[PartitionInfo.Partition, _Mapping]] = ..., suspend_time: _Optional[_Union[Uint32NoVal, _Mapping]] = ...) -> None: ...

class JobInfo(_message.Message):
    __slots__ = ("account", "accrue_time", "admin_comment", "allocating_node", "array_job_id", "array_task_id", "array_max_tasks", "array_task_string", "association_id", "batch_features", "batch_flag", "batch_host", "flags", "burst_buffer", "burst_buffer_state", "cluster", "cluster_features", "command", "comment", "container", "container_id", "contiguous", "core_spec", "thread_spec", "cores_per_socket", "billable_tres", "cpus_per_task", "cpu_frequency_minimum", "cpu_frequency_maximum", "cpu_frequency_governor", "cpus_per_tres", "cron", "deadline", "delay_boot", "dependency", "derived_exit_code", "eligible_time", "end_time", "excluded_nodes", "exit_code", "extra", "failed_node", "features", "federation_origin", "federation_siblings_active", "federation_siblings_viable", "gres_detail", "group_id", "group_name", "het_job_id", "het_job_id_set", "het_job_offset", "job_id", "job_resources", "job_size_str", "job_state", "last_sched_evaluation", "licenses", "mail_type", "mail_user", "max_cpus", "max_nodes", "mcs_label", "memory_per_tres", "name", "network", "nodes", "nice", "tasks_per_core", "tasks_per_tres", "tasks_per_node", "tasks_per_socket", "tasks_per_board", "cpus", "node_count", "tasks", "partition", "prefer", "memory_per_cpu", "memory_per_node", "minimum_cpus_per_node", "minimum_tmp_disk_per_node", "power", "preempt_time", "preemptable_time", "pre_sus_time", "hold", "priority", "priority_by_partition", "profile", "qos", "reboot", "required_nodes", "required_switches", "requeue", "resize_time", "restart_cnt", "resv_name", "scheduled_nodes", "selinux_context", "shared", "sockets_per_board", "sockets_per_node", "start_time", "state_description", "state_reason", "standard_input", "standard_output", "standard_error", "submit_time", "suspend_time", "system_comment", "time_limit", "time_minimum", "threads_per_core", "tres_bind", "tres_freq", "tres_per_job", "tres_per_node", "tres_per_socket", "tres_per_task", "tres_req_str", "tres_alloc_str", "user_id", "user_name", "maximum_switch_wait_time", "wckey", "current_working_directory")
    class Power(_message.Message):
        __slots__ = ("flags",)
        FLAGS_FIELD_NUMBER: _ClassVar[int]
        flags: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, flags: _Optional[_Iterable[str]] = ...) -> None: ...
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
    POWER_FIELD_NUMBER: _ClassVar[int]
    PREEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    PREEMPTABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    PRE_SUS_TIME_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_BY_PARTITION_FIELD_NUMBER: _ClassVar[int]
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
    STANDARD_INPUT_FIELD_NUMBER: _ClassVar[int]
    STANDARD_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    STANDARD_ERROR_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_TIME_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_COMMENT_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIME_MINIMUM_FIELD_NUMBER: _ClassVar[int]
    THREADS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
    TRES_BIND_FIELD_NUMBER: _ClassVar[int]
    TRES_FREQ_FIELD_NUMBER: _ClassVar[int]
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
    cores_per_socket: Uint16NoVal
    billable_tres: Float64NoVal
    cpus_per_task: Uint16NoVal
    cpu_frequency_minimum: Uint32NoVal
    cpu_frequency_maximum: Uint32NoVal
    cpu_frequency_governor: Uint32NoVal
    cpus_per_tres: str
    cron: str
    deadline: Uint64NoVal
    delay_boot: Uint32NoVal
    dependency: str
    derived_exit_code: ProcessExitCodeVerbose
    eligible_time: Uint64NoVal
    end_time: Uint64NoVal
    excluded_nodes: str
    exit_code: ProcessExitCodeVerbose
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
    job_resources: JobRes
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
    tasks_per_core: Uint16NoVal
    tasks_per_tres: Uint16NoVal
    tasks_per_node: Uint16NoVal
    tasks_per_socket: Uint16NoVal
    tasks_per_board: Uint16NoVal
    cpus: Uint32NoVal
    node_count: Uint32NoVal
    tasks: Uint32NoVal
    partition: str
    prefer: str
    memory_per_cpu: Uint64NoVal
    memory_per_node: Uint64NoVal
    minimum_cpus_per_node: Uint16NoVal
    minimum_tmp_disk_per_node: Uint32NoVal
    power: JobInfo.Power
    preempt_time: Uint64NoVal
    preemptable_time: Uint64NoVal
    pre_sus_time: Uint64NoVal
    hold: bool
    priority: Uint32NoVal
    priority_by_partition: _containers.RepeatedCompositeFieldContainer[PartPrio]
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
    sockets_per_node: Uint16NoVal
    start_time: Uint64NoVal
    state_description: str
    state_reason: str
    standard_input: str
    standard_output: str
    standard_error: str
    submit_time: Uint64NoVal
    suspend_time: Uint64NoVal
    system_comment: str
    time_limit: Uint32NoVal
    time_minimum: Uint32NoVal
    threads_per_core: Uint16NoVal
    tres_bind: str
    tres_freq: str
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
    def __init__(self, account: _Optional[str] = ..., accrue_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., admin_comment: _Optional[str] = ..., allocating_node: _Optional[str] = ..., array_job_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., array_task_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., array_max_tasks: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., array_task_string: _Optional[str] = ..., association_id: _Optional[int] = ..., batch_features: _Optional[str] = ..., batch_flag: _Optional[bool] = ..., batch_host: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., burst_buffer: _Optional[str] = ..., burst_buffer_state: _Optional[str] = ..., cluster: _Optional[str] = ..., cluster_features: _Optional[str] = ..., command: _Optional[str] = ..., comment: _Optional[str] = ..., container: _Optional[str] = ..., container_id: _Optional[str] = ..., contiguous: _Optional[bool] = ..., core_spec: _Optional[int] = ..., thread_spec: _Optional[int] = ..., cores_per_socket: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., billable_tres: _Optional[_Union[Float64NoVal, _Mapping]] = ..., cpus_per_task: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., cpu_frequency_minimum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpu_frequency_maximum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpu_frequency_governor: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., cpus_per_tres: _Optional[str] = ..., cron: _Optional[str] = ..., deadline: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., delay_boot: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., dependency: _Optional[str] = ..., derived_exit_code: _Optional[_Union[ProcessExitCodeVerbose, _Mapping]] = ..., eligible_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., end_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., excluded_nodes: _Optional[str] = ..., exit_code: _Optional[_Union[ProcessExitCodeVerbose, _Mapping]] = ..., extra: _Optional[str] = ..., failed_node: _Optional[str] = ..., features: _Optional[str] = ..., federation_origin: _Optional[str] = ..., federation_siblings_active: _Optional[str] = ..., federation_siblings_viable: _Optional[str] = ..., gres_detail: _Optional[_Iterable[str]] = ..., group_id: _Optional[int] = ..., group_name: _Optional[str] = ..., het_job_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., het_job_id_set: _Optional[str] = ..., het_job_offset: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., job_id: _Optional[int] = ..., job_resources: _Optional[_Union[JobRes, _Mapping]] = ..., job_size_str: _Optional[_Iterable[str]] = ..., job_state: _Optional[_Iterable[str]] = ..., last_sched_evaluation: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., licenses: _Optional[str] = ..., mail_type: _Optional[_Iterable[str]] = ..., mail_user: _Optional[str] = ..., max_cpus: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., max_nodes: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., mcs_label: _Optional[str] = ..., memory_per_tres: _Optional[str] = ..., name: _Optional[str] = ..., network: _Optional[str] = ..., nodes: _Optional[str] = ..., nice: _Optional[int] = ..., tasks_per_core: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., tasks_per_tres: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., tasks_per_node: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., tasks_per_socket: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., tasks_per_board: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., cpus: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., node_count: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tasks: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., partition: _Optional[str] = ..., prefer: _Optional[str] = ..., memory_per_cpu: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., memory_per_node: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., minimum_cpus_per_node: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., minimum_tmp_disk_per_node: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., power: _Optional[_Union[JobInfo.Power, _Mapping]] = ..., preempt_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., preemptable_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., pre_sus_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., hold: _Optional[bool] = ..., priority: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., priority_by_partition: _Optional[_Iterable[_Union[PartPrio, _Mapping]]] = ..., profile: _Optional[_Iterable[str]] = ..., qos: _Optional[str] = ..., reboot: _Optional[bool] = ..., required_nodes: _Optional[str] = ..., required_switches: _Optional[int] = ..., requeue: _Optional[bool] = ..., resize_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., restart_cnt: _Optional[int] = ..., resv_name: _Optional[str] = ..., scheduled_nodes: _Optional[str] = ..., selinux_context: _Optional[str] = ..., shared: _Optional[_Iterable[str]] = ..., sockets_per_board: _Optional[int] = ..., sockets_per_node: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., start_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., state_description: _Optional[str] = ..., state_reason: _Optional[str] = ..., standard_input: _Optional[str] = ..., standard_output: _Optional[str] = ..., standard_error: _Optional[str] = ..., submit_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., suspend_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., system_comment: _Optional[str] = ..., time_limit: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., time_minimum: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., threads_per_core: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., tres_bind: _Optional[str] = ..., tres_freq: _Optional[str] = ..., tres_per_job: _Optional[str] = ..., tres_per_node: _Optional[str] = ..., tres_per_socket: _Optional[str] = ..., tres_per_task: _Optional[str] = ..., tres_req_str: _Optional[str] = ..., tres_alloc_str: _Optional[str] = ..., user_id: _Optional[int] = ..., user_name: _Optional[str] = ..., maximum_switch_wait_time: _Optional[int] = ..., wckey: _Optional[str] = ..., current_working_directory: _Optional[str] = ...) -> None: ...

class KillJobsRespJob(_message.Message):
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
    error: KillJobsRespJob.Error
    step_id: str
    job_id: Uint32NoVal
    federation: KillJobsRespJob.Federation
    def __init__(self, error: _Optional[_Union[KillJobsRespJob.Error, _Mapping]] = ..., step_id: _Optional[str] = ..., job_id: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., federation: _Optional[_Union[KillJobsRespJob.Federation, _Mapping]] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("architecture", "burstbuffer_network_address", "boards", "boot_time", "cluster_name", "cores", "specialized_cores", "cpu_binding", "cpu_load", "free_mem", "cpus", "effective_cpus", "specialized_cpus", "energy", "external_sensors", "extra", "power", "features", "active_features", "gpu_spec", "gres", "gres_drained", "gres_used", "instance_id", "instance_type", "last_busy", "mcs_label", "specialized_memory", "name", "next_state_after_reboot", "address", "hostname", "state", "operating_system", "owner", "partitions", "port", "real_memory", "res_cores_per_gpu", "comment", "reason", "reason_changed_at", "reason_set_by_user", "resume_after", "reservation", "alloc_memory", "alloc_cpus", "alloc_idle_cpus", "tres_used", "tres_weighted", "slurmd_start_time", "sockets", "threads", "temporary_disk", "weight", "tres", "version")
    class ExternalSensors(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Power(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
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
    EXTERNAL_SENSORS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    POWER_FIELD_NUMBER: _ClassVar[int]
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
    energy: AcctGatherEnergy
    external_sensors: Node.ExternalSensors
    extra: str
    power: Node.Power
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
    reason_changed_at: Uint64NoVal
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
    def __init__(self, architecture: _Optional[str] = ..., burstbuffer_network_address: _Optional[str] = ..., boards: _Optional[int] = ..., boot_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., cluster_name: _Optional[str] = ..., cores: _Optional[int] = ..., specialized_cores: _Optional[int] = ..., cpu_binding: _Optional[int] = ..., cpu_load: _Optional[int] = ..., free_mem: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., cpus: _Optional[int] = ..., effective_cpus: _Optional[int] = ..., specialized_cpus: _Optional[str] = ..., energy: _Optional[_Union[AcctGatherEnergy, _Mapping]] = ..., external_sensors: _Optional[_Union[Node.ExternalSensors, _Mapping]] = ..., extra: _Optional[str] = ..., power: _Optional[_Union[Node.Power, _Mapping]] = ..., features: _Optional[_Iterable[str]] = ..., active_features: _Optional[_Iterable[str]] = ..., gpu_spec: _Optional[str] = ..., gres: _Optional[str] = ..., gres_drained: _Optional[str] = ..., gres_used: _Optional[str] = ..., instance_id: _Optional[str] = ..., instance_type: _Optional[str] = ..., last_busy: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., mcs_label: _Optional[str] = ..., specialized_memory: _Optional[int] = ..., name: _Optional[str] = ..., next_state_after_reboot: _Optional[_Iterable[str]] = ..., address: _Optional[str] = ..., hostname: _Optional[str] = ..., state: _Optional[_Iterable[str]] = ..., operating_system: _Optional[str] = ..., owner: _Optional[str] = ..., partitions: _Optional[_Iterable[str]] = ..., port: _Optional[int] = ..., real_memory: _Optional[int] = ..., res_cores_per_gpu: _Optional[int] = ..., comment: _Optional[str] = ..., reason: _Optional[str] = ..., reason_changed_at: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., reason_set_by_user: _Optional[str] = ..., resume_after: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., reservation: _Optional[str] = ..., alloc_memory: _Optional[int] = ..., alloc_cpus: _Optional[int] = ..., alloc_idle_cpus: _Optional[int] = ..., tres_used: _Optional[str] = ..., tres_weighted: _Optional[float] = ..., slurmd_start_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., sockets: _Optional[int] = ..., threads: _Optional[int] = ..., temporary_disk: _Optional[int] = ..., weight: _Optional[int] = ..., tres: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class ReservationInfo(_message.Message):
    __slots__ = ("accounts", "burst_buffer", "core_count", "core_specializations", "end_time", "features", "flags", "groups", "licenses", "max_start_delay", "name", "node_count", "node_list", "partition", "purge_completed", "start_time", "watts", "tres", "users")
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
    core_specializations: _containers.RepeatedCompositeFieldContainer[ReservationCoreSpec]
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
    purge_completed: ReservationInfo.PurgeCompleted
    start_time: Uint64NoVal
    watts: Uint32NoVal
    tres: str
    users: str
    def __init__(self, accounts: _Optional[str] = ..., burst_buffer: _Optional[str] = ..., core_count: _Optional[int] = ..., core_specializations: _Optional[_Iterable[_Union[ReservationCoreSpec, _Mapping]]] = ..., end_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., features: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., groups: _Optional[str] = ..., licenses: _Optional[str] = ..., max_start_delay: _Optional[int] = ..., name: _Optional[str] = ..., node_count: _Optional[int] = ..., node_list: _Optional[str] = ..., partition: _Optional[str] = ..., purge_completed: _Optional[_Union[ReservationInfo.PurgeCompleted, _Mapping]] = ..., start_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., watts: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., tres: _Optional[str] = ..., users: _Optional[str] = ...) -> None: ...

class StatsMsg(_message.Message):
    __slots__ = ("parts_packed", "req_time", "req_time_start", "server_thread_count", "agent_queue_size", "agent_count", "agent_thread_count", "dbd_agent_queue_size", "gettimeofday_latency", "schedule_cycle_max", "schedule_cycle_last", "schedule_cycle_sum", "schedule_cycle_total", "schedule_cycle_mean", "schedule_cycle_mean_depth", "schedule_cycle_per_minute", "schedule_cycle_depth", "schedule_exit", "schedule_queue_length", "jobs_submitted", "jobs_started", "jobs_completed", "jobs_canceled", "jobs_failed", "jobs_pending", "jobs_running", "job_states_ts", "bf_backfilled_jobs", "bf_last_backfilled_jobs", "bf_backfilled_het_jobs", "bf_cycle_counter", "bf_cycle_mean", "bf_depth_mean", "bf_depth_mean_try", "bf_cycle_sum", "bf_cycle_last", "bf_cycle_max", "bf_exit", "bf_last_depth", "bf_last_depth_try", "bf_depth_sum", "bf_depth_try_sum", "bf_queue_len", "bf_queue_len_mean", "bf_queue_len_sum", "bf_table_size", "bf_table_size_sum", "bf_table_size_mean", "bf_when_last_cycle", "bf_active", "rpcs_by_message_type", "rpcs_by_user", "pending_rpcs", "pending_rpcs_by_hostlist")
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
    SCHEDULE_CYCLE_SUM_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_MEAN_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_MEAN_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_CYCLE_DEPTH_FIELD_NUMBER: _ClassVar[int]
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
    BF_CYCLE_MAX_FIELD_NUMBER: _ClassVar[int]
    BF_EXIT_FIELD_NUMBER: _ClassVar[int]
    BF_LAST_DEPTH_FIELD_NUMBER: _ClassVar[int]
    BF_LAST_DEPTH_TRY_FIELD_NUMBER: _ClassVar[int]
    BF_DEPTH_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_DEPTH_TRY_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_QUEUE_LEN_FIELD_NUMBER: _ClassVar[int]
    BF_QUEUE_LEN_MEAN_FIELD_NUMBER: _ClassVar[int]
    BF_QUEUE_LEN_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_TABLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    BF_TABLE_SIZE_SUM_FIELD_NUMBER: _ClassVar[int]
    BF_TABLE_SIZE_MEAN_FIELD_NUMBER: _ClassVar[int]
    BF_WHEN_LAST_CYCLE_FIELD_NUMBER: _ClassVar[int]
    BF_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    RPCS_BY_MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RPCS_BY_USER_FIELD_NUMBER: _ClassVar[int]
    PENDING_RPCS_FIELD_NUMBER: _ClassVar[int]
    PENDING_RPCS_BY_HOSTLIST_FIELD_NUMBER: _ClassVar[int]
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
    schedule_cycle_sum: int
    schedule_cycle_total: int
    schedule_cycle_mean: int
    schedule_cycle_mean_depth: int
    schedule_cycle_per_minute: int
    schedule_cycle_depth: int
    schedule_exit: ScheduleExitFields
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
    bf_cycle_max: int
    bf_exit: BfExitFields
    bf_last_depth: int
    bf_last_depth_try: int
    bf_depth_sum: int
    bf_depth_try_sum: int
    bf_queue_len: int
    bf_queue_len_mean: int
    bf_queue_len_sum: int
    bf_table_size: int
    bf_table_size_sum: int
    bf_table_size_mean: int
    bf_when_last_cycle: Uint64NoVal
    bf_active: bool
    rpcs_by_message_type: _containers.RepeatedCompositeFieldContainer[StatsMsgRpcType]
    rpcs_by_user: _containers.RepeatedCompositeFieldContainer[StatsMsgRpcUser]
    pending_rpcs: _containers.RepeatedCompositeFieldContainer[StatsMsgRpcQueue]
    pending_rpcs_by_hostlist: _containers.RepeatedCompositeFieldContainer[StatsMsgRpcDump]
    def __init__(self, parts_packed: _Optional[int] = ..., req_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., req_time_start: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., server_thread_count: _Optional[int] = ..., agent_queue_size: _Optional[int] = ..., agent_count: _Optional[int] = ..., agent_thread_count: _Optional[int] = ..., dbd_agent_queue_size: _Optional[int] = ..., gettimeofday_latency: _Optional[int] = ..., schedule_cycle_max: _Optional[int] = ..., schedule_cycle_last: _Optional[int] = ..., schedule_cycle_sum: _Optional[int] = ..., schedule_cycle_total: _Optional[int] = ..., schedule_cycle_mean: _Optional[int] = ..., schedule_cycle_mean_depth: _Optional[int] = ..., schedule_cycle_per_minute: _Optional[int] = ..., schedule_cycle_depth: _Optional[int] = ..., schedule_exit: _Optional[_Union[ScheduleExitFields, _Mapping]] = ..., schedule_queue_length: _Optional[int] = ..., jobs_submitted: _Optional[int] = ..., jobs_started: _Optional[int] = ..., jobs_completed: _Optional[int] = ..., jobs_canceled: _Optional[int] = ..., jobs_failed: _Optional[int] = ..., jobs_pending: _Optional[int] = ..., jobs_running: _Optional[int] = ..., job_states_ts: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., bf_backfilled_jobs: _Optional[int] = ..., bf_last_backfilled_jobs: _Optional[int] = ..., bf_backfilled_het_jobs: _Optional[int] = ..., bf_cycle_counter: _Optional[int] = ..., bf_cycle_mean: _Optional[int] = ..., bf_depth_mean: _Optional[int] = ..., bf_depth_mean_try: _Optional[int] = ..., bf_cycle_sum: _Optional[int] = ..., bf_cycle_last: _Optional[int] = ..., bf_cycle_max: _Optional[int] = ..., bf_exit: _Optional[_Union[BfExitFields, _Mapping]] = ..., bf_last_depth: _Optional[int] = ..., bf_last_depth_try: _Optional[int] = ..., bf_depth_sum: _Optional[int] = ..., bf_depth_try_sum: _Optional[int] = ..., bf_queue_len: _Optional[int] = ..., bf_queue_len_mean: _Optional[int] = ..., bf_queue_len_sum: _Optional[int] = ..., bf_table_size: _Optional[int] = ..., bf_table_size_sum: _Optional[int] = ..., bf_table_size_mean: _Optional[int] = ..., bf_when_last_cycle: _Optional[_Union[Uint64NoVal, _Mapping]] = ..., bf_active: _Optional[bool] = ..., rpcs_by_message_type: _Optional[_Iterable[_Union[StatsMsgRpcType, _Mapping]]] = ..., rpcs_by_user: _Optional[_Iterable[_Union[StatsMsgRpcUser, _Mapping]]] = ..., pending_rpcs: _Optional[_Iterable[_Union[StatsMsgRpcQueue, _Mapping]]] = ..., pending_rpcs_by_hostlist: _Optional[_Iterable[_Union[StatsMsgRpcDump, _Mapping]]] = ...) -> None: ...

class ProcessExitCodeVerbose(_message.Message):
    __slots__ = ("status", "return_code", "signal")
    class Signal(_message.Message):
        __slots__ = ("id", "name")
        ID_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        id: Uint16NoVal
        name: str
        def __init__(self, id: _Optional[_Union[Uint16NoVal, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RETURN_CODE_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    status: _containers.RepeatedScalarFieldContainer[str]
    return_code: Uint32NoVal
    signal: ProcessExitCodeVerbose.Signal
    def __init__(self, status: _Optional[_Iterable[str]] = ..., return_code: _Optional[_Union[Uint32NoVal, _Mapping]] = ..., signal: _Optional[_Union[ProcessExitCodeVerbose.Signal, _Mapping]] = ...) -> None: ...

class JobRes(_message.Message):
    __slots__ = ("select_type", "nodes", "cpus", "threads_per_core")
    class Nodes(_message.Message):
        __slots__ = ("count", "select_type", "list", "whole", "allocation")
        COUNT_FIELD_NUMBER: _ClassVar[int]
        SELECT_TYPE_FIELD_NUMBER: _ClassVar[int]
        LIST_FIELD_NUMBER: _ClassVar[int]
        WHOLE_FIELD_NUMBER: _ClassVar[int]
        ALLOCATION_FIELD_NUMBER: _ClassVar[int]
        count: int
        select_type: _containers.RepeatedScalarFieldContainer[str]
        list: str
        whole: bool
        allocation: _containers.RepeatedCompositeFieldContainer[JobResNode]
        def __init__(self, count: _Optional[int] = ..., select_type: _Optional[_Iterable[str]] = ..., list: _Optional[str] = ..., whole: _Optional[bool] = ..., allocation: _Optional[_Iterable[_Union[JobResNode, _Mapping]]] = ...) -> None: ...
    SELECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    THREADS_PER_CORE_FIELD_NUMBER: _ClassVar[int]
    select_type: _containers.RepeatedScalarFieldContainer[str]
    nodes: JobRes.Nodes
    cpus: int
    threads_per_core: Uint16NoVal
    def __init__(self, select_type: _Optional[_Iterable[str]] = ..., nodes: _Optional[_Union[JobRes.Nodes, _Mapping]] = ..., cpus: _Optional[int] = ..., threads_per_core: _Optional[_Union[Uint16NoVal, _Mapping]] = ...) -> None: ...

class PartPrio(_message.Message):
    __slots__ = ("partition", "priority")
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    partition: str
    priority: int
    def __init__(self, partition: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class AcctGatherEnergy(_message.Message):
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

class ReservationCoreSpec(_message.Message):
    __slots__ = ("node", "core")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CORE_FIELD_NUMBER: _ClassVar[int]
    node: str
    core: str
    def __init__(self, node: _Optional[str] = ..., core: _Optional[str] = ...) -> None: ...

class ScheduleExitFields(_message.Message):
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

class BfExitFields(_message.Message):
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

class StatsMsgRpcType(_message.Message):
    __slots__ = ("type_id", "message_type", "count", "queued", "dropped", "cycle_last", "cycle_max", "total_time", "average_time")
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    CYCLE_LAST_FIELD_NUMBER: _ClassVar[int]
    CYCLE_MAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TIME_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    type_id: int
    message_type: str
    count: int
    queued: int
    dropped: int
    cycle_last: int
    cycle_max: int
    total_time: int
    average_time: Uint64NoVal
    def __init__(self, type_id: _Optional[int] = ..., message_type: _Optional[str] = ..., count: _Optional[int] = ..., queued: _Optional[int] = ..., dropped: _Optional[int] = ..., cycle_last: _Optional[int] = ..., cycle_max: _Optional[int] = ..., total_time: _Optional[int] = ..., average_time: _Optional[_Union[Uint64NoVal, _Mapping]] = ...) -> None: ...

class StatsMsgRpcUser(_message.Message):
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

class StatsMsgRpcQueue(_message.Message):
    __slots__ = ("type_id", "message_type", "count")
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    type_id: int
    message_type: str
    count: int
    def __init__(self, type_id: _Optional[int] = ..., message_type: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class StatsMsgRpcDump(_message.Message):
    __slots__ = ("type_id", "message_type", "count")
    TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    type_id: int
    message_type: str
    count: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, type_id: _Optional[int] = ..., message_type: _Optional[str] = ..., count: _Optional[_Iterable[str]] = ...) -> None: ...

class JobResNode(_message.Message):
    __slots__ = ("index", "name", "cpus", "memory", "sockets")
    class Cpus(_message.Message):
        __slots__ = ("count", "used")
        COUNT_FIELD_NUMBER: _ClassVar[int]
        USED_FIELD_NUMBER: _ClassVar[int]
        count: int
        used: int
        def __init__(self, count: _Optional[int] = ..., used: _Optional[int] = ...) -> None: ...
    class Memory(_message.Message):
        __slots__ = ("used", "allocated")
        USED_FIELD_NUMBER: _ClassVar[int]
        ALLOCATED_FIELD_NUMBER: _ClassVar[int]
        used: int
        allocated: int
        def __init__(self, used: _Optional[int] = ..., allocated: _Optional[int] = ...) -> None: ...
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SOCKETS_FIELD_NUMBER: _ClassVar[int]
    index: int
    name: str
    cpus: JobResNode.Cpus
    memory: JobResNode.Memory
    sockets: _containers.RepeatedCompositeFieldContainer[JobResSocket]
    def __init__(self, index: _Optional[int] = ..., name: _Optional[str] = ..., cpus: _Optional[_Union[JobResNode.Cpus, _Mapping]] = ..., memory: _Optional[_Union[JobResNode.Memory, _Mapping]] = ..., sockets: _Optional[_Iterable[_Union[JobResSocket, _Mapping]]] = ...) -> None: ...

class JobResSocket(_message.Message):
    __slots__ = ("index", "cores")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CORES_FIELD_NUMBER: _ClassVar[int]
    index: int
    cores: _containers.RepeatedCompositeFieldContainer[JobResCore]
    def __init__(self, index: _Optional[int] = ..., cores: _Optional[_Iterable[_Union[JobResCore, _Mapping]]] = ...) -> None: ...

class JobResCore(_message.Message):
    __slots__ = ("index", "status")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    index: int
    status: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, index: _Optional[int] = ..., status: _Optional[_Iterable[str]] = ...) -> None: ...

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

class Float64NoVal(_message.Message):
    __slots__ = ("set", "infinite", "number")
    SET_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    set: bool
    infinite: bool
    number: float
    def __init__(self, set: _Optional[bool] = ..., infinite: _Optional[bool] = ..., number: _Optional[float] = ...) -> None: ...
