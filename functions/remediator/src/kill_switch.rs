//! The two kill switches as one: the deploy-time one (`KILL_SWITCH`, a template parameter) and
//! the table item (no deploy). Either engaged stops every action; the table is not read when
//! the deploy-time one already is.

use async_trait::async_trait;
use ecs_triage_core::ports::PortError;
use ecs_triage_core::remediate::{KillSwitch, KillSwitchReader};

#[derive(Clone, Copy)]
pub struct EitherKillSwitch<'a> {
    pub configured: KillSwitch,
    pub table: &'a dyn KillSwitchReader,
}

impl std::fmt::Debug for EitherKillSwitch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EitherKillSwitch")
            .field("configured", &self.configured)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl KillSwitchReader for EitherKillSwitch<'_> {
    async fn kill_switch(&self) -> Result<KillSwitch, PortError> {
        if self.configured.is_engaged() {
            return Ok(KillSwitch::Engaged);
        }
        self.table.kill_switch().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Table(Result<KillSwitch, PortError>);

    #[async_trait]
    impl KillSwitchReader for Table {
        async fn kill_switch(&self) -> Result<KillSwitch, PortError> {
            self.0.clone()
        }
    }

    #[tokio::test]
    async fn either_switch_engaged_stops_and_the_table_is_read_otherwise() {
        let unreadable = Table(Err(PortError::Transient {
            service: "dynamodb",
            operation: "GetItem",
            message: "throttled".into(),
        }));
        let engaged = EitherKillSwitch {
            configured: KillSwitch::Engaged,
            table: &unreadable,
        };
        assert_eq!(engaged.kill_switch().await, Ok(KillSwitch::Engaged));
        let released = EitherKillSwitch {
            configured: KillSwitch::Released,
            table: &unreadable,
        };
        assert!(
            released.kill_switch().await.is_err(),
            "an unreadable table is no guess"
        );
        let table_engaged = Table(Ok(KillSwitch::Engaged));
        let by_table = EitherKillSwitch {
            configured: KillSwitch::Released,
            table: &table_engaged,
        };
        assert_eq!(by_table.kill_switch().await, Ok(KillSwitch::Engaged));
    }
}
