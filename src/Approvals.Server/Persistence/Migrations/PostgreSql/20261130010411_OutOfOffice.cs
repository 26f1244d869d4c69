using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class OutOfOffice : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AwayDelegate",
                table: "Users",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "AwayFrom",
                table: "Users",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "AwayUntil",
                table: "Users",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AwayDelegate",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "AwayFrom",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "AwayUntil",
                table: "Users");
        }
    }
}
