with accounts as (
    select * from {{ ref('int_accounts') }}
),

final as (
    select
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        account_name,
        account_role
    from accounts
)

select * from final
