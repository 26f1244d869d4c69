using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class TimerFailures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "FailedAttempts",
                table: "Timers",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "LastError",
                table: "Timers",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FailedAttempts",
                table: "Timers");

            migrationBuilder.DropColumn(
                name: "LastError",
                table: "Timers");
        }
    }
}
