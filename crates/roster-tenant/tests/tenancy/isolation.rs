use roster_tenant::{test_on_both_engines, with_pool, Actor};
use secrecy::ExposeSecret;

use crate::helpers::{bearer, fixture};

test_on_both_engines! {
    async fn a_tenant_scoped_handle_reads_only_its_own_tenants_rows(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        f.tenant("globex").await;
        let acme = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        f.tenancy.mint_token("globex", &Actor::Cli).await.unwrap();
        f.tenancy.mint_token("globex", &Actor::Cli).await.unwrap();
        let scope = f.tenancy.authenticate("acme", Some(&bearer(acme.token.expose_secret()))).await.unwrap();
        // What a store module does with the handle: every query carries the scope's tenant id.
        let visible: Vec<String> = with_pool!(scope.db(), pool => {
            sqlx::query_scalar("select id from tokens where tenant_id = $1")
                .bind(scope.tenant_id())
                .fetch_all(pool)
                .await
                .unwrap()
        });
        assert_eq!(visible, vec![acme.info.id.clone()]);
        assert_eq!(scope.slug().as_str(), "acme");
    }
}
