{#- The erasure audit trail, as processed at ingestion: one row per request. -#}
with requests as (
    select * from {{ source('erasure', 'log') }}
),

final as (
    select
        request_id,
        received_at,
        processed_at,
        identifiers_requested,
        identifiers_erased,
        unified_users_erased,
        raw_rows_deleted,
        landing_files_scrubbed,
        inbox_files_scrubbed
    from requests
)

select * from final
