with source as (
    select * from {{ source('registry', 'accounts') }}
),

renamed as (
    select
        record ->> 'platform' as platform,
        record ->> 'account_id' as account_id,
        record ->> 'account_name' as account_name,
        record ->> 'role' as account_role,
        _ingested_at
    from source
    {{ latest_by("record ->> 'platform', record ->> 'account_id'") }}
)

select * from renamed
